"""``kill -9`` under load, with group commit on: nothing acknowledged is lost.

A real SecantusDB (``--sync-on-commit``) and the hub in child processes; 16 clients
post signed webhooks and API replies as fast as they can; then both processes are
killed with SIGKILL mid-load. After the database restarts on the same files, every
webhook that was answered 2xx is stored exactly once, and every reply answered 202
is still there, queued for sending (its provider is unreachable, so none has left).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub import db
from hub.ops import embedded
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.core import crash_app
from tests.core.helpers import WAIT_LIMIT
from tests.fakes import EchoConnector, signed_headers, webhook_body

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 16


def _database(storage: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("secantusd-py")
    cmd = [str(exe), "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage)]
    process = subprocess.Popen([*cmd, "--sync-on-commit", "--log-level", "WARNING"])
    deadline = time.monotonic() + WAIT_LIMIT
    while not embedded._port_open(port):
        assert process.poll() is None and time.monotonic() < deadline, "secantusd-py did not start"
        time.sleep(0.05)
    return process


def _hub(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "tests.core.crash_app:app"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with open(log, "ab") as out:
        process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=out, stderr=out)
    deadline = time.monotonic() + WAIT_LIMIT * 2
    while True:
        assert process.poll() is None, log.read_text()
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        assert time.monotonic() < deadline, "the hub did not become ready"
        time.sleep(0.1)


async def _setup(uri: str) -> dict[str, Any]:
    client = db.connect(uri)
    database = await db.init(client, "crash")
    settings = crash_app.settings()
    outbound.configure(settings.outbound_allow)  # the channel's loopback address is allowed
    async with httpx.AsyncClient() as http:
        hub = Hub(settings, database, http, {"test": EchoConnector})
        account = await accounts.create_account("Crash", "PRO", 3, ["generic_api"])
        unreachable = f"http://127.0.0.1:{embedded.free_port()}"
        channel, _ = await accounts.create_channel(
            hub, account, "test", "Line", {"api_base_url": unreachable}
        )
        _, key = await accounts.create_key(account)
    await db.release(client)
    return {"webhook": f"/webhooks/test/{channel.id}", "key": key}


async def _load(base: str, info: dict[str, Any], acked: set[str], replies: set[str]) -> None:
    """Clients post webhooks (and, once a conversation exists, replies) until killed."""
    auth = {"Authorization": f"Bearer {info['key']}"}
    conversations: list[str] = []

    async def client_loop(n: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            while True:
                pid = uuid.uuid4().hex
                body = webhook_body([{"id": pid, "from": f"+4550{n:04d}", "text": pid}])
                try:
                    r = await client.post(
                        info["webhook"], content=body, headers=signed_headers(body)
                    )
                    if r.status_code == 200:
                        acked.add(pid)
                    if n % 4 == 0 and conversations:
                        r = await client.post(
                            f"/api/v1/conversations/{conversations[0]}/messages",
                            json={"text": "queued"},
                            headers=auth,
                        )
                        if r.status_code == 202:
                            replies.add(r.json()["id"])
                    elif n == 1 and not conversations:
                        page = (await client.get("/api/v1/conversations", headers=auth)).json()
                        conversations.extend(c["id"] for c in page["data"])
                except httpx.HTTPError:
                    await asyncio.sleep(0.05)  # the hub is gone: keep trying until cancelled

    tasks = [asyncio.create_task(client_loop(n)) for n in range(CLIENTS)]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


async def test_kill_9_under_load_loses_nothing_acknowledged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage, port, hub_port = tmp_path / "db", embedded.free_port(), embedded.free_port()
    database = _database(storage, port)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    monkeypatch.setenv("CRASH_MONGODB_URI", uri)
    monkeypatch.setenv("CRASH_DATA_DIR", str(tmp_path / "var"))
    env = dict(os.environ)
    hub = None
    try:
        info = await _setup(uri)
        hub = _hub(env, hub_port, tmp_path / "hub.log")
        acked: set[str] = set()
        replies: set[str] = set()
        load = asyncio.create_task(_load(f"http://127.0.0.1:{hub_port}", info, acked, replies))
        deadline = time.monotonic() + WAIT_LIMIT * 2
        while (len(acked) < 150 or len(replies) < 10) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        assert len(acked) >= 150 and len(replies) >= 10, "the load did not get going"
        os.kill(hub.pid, signal.SIGKILL)  # mid-load: batches in flight, answers unsent
        os.kill(database.pid, signal.SIGKILL)
        hub.wait(30)
        database.wait(30)
        load.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await load
        database = _database(storage, port)
        await _check(uri, set(acked), set(replies))
    finally:
        for process in (hub, database):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(30)


async def _check(uri: str, acked: set[str], replies: set[str]) -> None:
    from bson import ObjectId

    client = db.connect(uri)
    messages = client["crash"]["messages"]
    stored: dict[str, int] = {}
    async for doc in messages.find({"direction": "in"}, {"provider_message_id": 1}):
        pid = doc["provider_message_id"]
        stored[pid] = stored.get(pid, 0) + 1
    queued = {
        str(d["_id"]): d["delivery"]
        async for d in messages.find({"_id": {"$in": [ObjectId(r) for r in replies]}})
    }
    await db.release(client)
    assert acked - set(stored) == set(), "acknowledged webhooks lost"
    assert all(count == 1 for count in stored.values()), "a message stored twice"
    assert set(queued) == replies, "accepted replies lost"
    assert set(queued.values()) <= {"queued", "sending"}, queued
