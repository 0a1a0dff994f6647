"""The ``parley`` command end to end on the embedded database, as an operator runs it.

Slow by nature (real processes, a real SecantusDB started and stopped), so it is
one scenario: admin commands with no hub running and beside a running one, a
clean stop, a restart that keeps everything, and recovery after a ``kill -9`` (which stops the database too).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from hub.contract import Address, InboundMessage, WebhookResult
from hub.ops import embedded
from hub.ops.cli import _parser as cli_parser
from hub.ops.cli import open_hub
from hub.pipeline import ingest
from hub.settings import Settings
from hub.tenants.accounts import create_channel, get_account
from tests.core.helpers import WAIT_LIMIT
from tests.fakes import EchoConnector

PARLEY = str(Path(sys.executable).with_name("parley"))


class Operator:
    """Runs ``parley`` commands and ``parley serve`` on one data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = embedded.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        self.env.update(PARLEY_DATA_DIR=str(data_dir), PARLEY_SMTP_PORT=str(embedded.free_port()))

    def run(self, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [PARLEY, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def serve(self, port: int | None = None, **env: str) -> subprocess.Popen[bytes]:
        port = port or self.port
        log = open(self.data_dir.parent / "serve.log", "ab")  # noqa: SIM115
        process = subprocess.Popen(
            [PARLEY, "serve", "--port", str(port)],
            env={**self.env, **env},
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + WAIT_LIMIT * 2
        while True:
            assert process.poll() is None, (self.data_dir.parent / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "parley serve did not become ready"
            time.sleep(0.1)

    def published(self) -> dict[str, Any]:
        info: dict[str, Any] = json.loads((self.data_dir / "db.json").read_text())
        return info

    def db_processes(self) -> list[int]:
        """Pids of SecantusDB servers running on this data directory."""
        storage = str(self.data_dir / "db")
        found = []
        for proc in Path("/proc").iterdir():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z" and storage.encode() in args and b"--storage-path" in args:
                found.append(int(proc.name))
        return found

    def api(self, key: str, path: str) -> Any:
        r = httpx.get(self.base + path, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        assert r.status_code == 200, r.text
        return r.json()


def _gone(op: Operator, limit: float) -> bool:
    """Whether the data directory's database processes end within ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while op.db_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    return op.db_processes() == []


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return process.wait(timeout=60)


async def _ingest_one(data_dir: Path, account_id: str, text: str) -> str:
    """Store an inbound message from another process on the same data directory."""
    async with open_hub(Settings(data_dir=data_dir)) as hub:
        hub.registry.register(EchoConnector)
        account = await get_account(account_id)
        channel, _ = await create_channel(hub, account, "test", "Line", {})
        await ingest.receive(
            hub,
            hub.channels.of(channel),
            WebhookResult(
                messages=[
                    InboundMessage(
                        provider_message_id="keep-1",
                        sender=Address(kind="phone", value="+4560"),
                        text=text,
                    )
                ]
            ),
        )
    return str(channel.id)


async def test_operator_lifecycle(tmp_path: Path) -> None:
    op = Operator(tmp_path / "var")
    # No hub running: the command starts the embedded database and stops it again.
    account = op.run("account", "create", "--name", "Shop", "--plan", "PRO", "--seats", "3",
                     "--addon", "generic_api")["id"]  # fmt: skip
    assert not (op.data_dir / "db.json").exists() and op.db_processes() == []
    shown = op.run("account", "show", "--account", account)  # the operator rows, no hub running
    assert (shown["plan"], shown["seats"], shown["seats_used"]) == ("PRO", 3, 0)

    serve = op.serve()
    db = op.published()
    assert db["owner"] == serve.pid and op.db_processes() == [db["pid"]]
    key = op.run("apikey", "create", "--account", account)["key"]
    op.run("user", "create", "--account", account, "--email", "ann@shop.test",
           "--password", "password1", "--role", "admin")  # fmt: skip
    assert op.published() == db and op.db_processes() == [db["pid"]]  # still the hub's
    usage = op.run("usage", "--account", account, "--month", shown["created_at"][:7])
    assert {"Account activation", "API activation"} <= {line["item"] for line in usage["lines"]}
    assert op.run("apikey", "list", "--account", account)["data"][0]["revoked"] is False
    await _ingest_one(op.data_dir, account, "kept across restarts")
    assert stop(serve) == 0
    assert not (op.data_dir / "db.json").exists() and op.db_processes() == []

    # A restart keeps accounts, keys and messages.
    serve = op.serve()
    conversations = op.api(key, "/api/v1/conversations")["data"]
    assert len(conversations) == 1
    messages = op.api(key, f"/api/v1/conversations/{conversations[0]['id']}/messages")["data"]
    assert [m["text"] for m in messages] == ["kept across restarts"]
    orphan = op.published()["pid"]

    # A killed hub takes its database with it (the kernel's parent-death signal); the
    # next start begins a fresh one on the same data, nothing lost.
    stop(serve, signal.SIGKILL)
    assert await asyncio.to_thread(_gone, op, WAIT_LIMIT)
    serve = op.serve()
    assert op.published()["pid"] != orphan and op.published()["owner"] == serve.pid
    assert len(op.api(key, "/api/v1/users")["data"]) == 1
    assert stop(serve) == 0
    assert not (op.data_dir / "db.json").exists() and op.db_processes() == []


async def test_second_serve_leaves_the_first_published(tmp_path: Path) -> None:
    """Two ``serve`` on one data directory: stopping the second keeps the first's address, and
    commands print the running hub's webhook URL and SMTP address, not their own defaults."""
    op = Operator(tmp_path / "var")
    account = op.run("account", "create", "--name", "Shop", "--plan", "HUB", "--seats", "3")["id"]
    first = op.serve(PARLEY_PUBLIC_URL="https://hub.example", PARLEY_SMTP_PORT="2599")
    second = op.serve(port=embedded.free_port())
    try:
        marker = json.loads((op.data_dir / "hub.json").read_text())
        assert marker["pid"] == first.pid and marker["public_url"] == "https://hub.example"
        assert stop(second) == 0
        assert json.loads((op.data_dir / "hub.json").read_text())["pid"] == first.pid
        shown = op.run("channel", "add", "--account", account, "--type", "webchat",
                       "--name", "Chat", "--config", '{"allowed_origins": ["https://shop.example"]}')  # fmt: skip
        assert shown["webhook_url"].startswith("https://hub.example/")
        assert "https://hub.example/widget/" in shown["embed"]
        mail = op.run("channel", "add", "--account", account, "--type", "email", "--name", "Mail",
                      "--config", '{"address": "help@shop.example", "smtp_host": "mail.shop.example"}')  # fmt: skip
        assert mail["smtp_listener"] == "127.0.0.1:2599"
    finally:
        if second.poll() is None:
            stop(second)
        assert stop(first) == 0
    assert not (op.data_dir / "hub.json").exists()


def test_serve_refuses_a_busy_port_before_announcing_anything(tmp_path: Path) -> None:
    """A port held by someone else: one line naming it, a non-zero exit, no sign-in text,
    and no database left running. First the HTTP port, then the SMTP listener's."""
    op = Operator(tmp_path / "var")
    smtp_port = int(op.env["PARLEY_SMTP_PORT"])
    for held, what in ((op.port, "HTTP"), (smtp_port, "SMTP")):
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", held))
            holder.listen()
            done = subprocess.run(
                [PARLEY, "serve", "--demo", "--port", str(op.port)],
                env=op.env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
        assert done.returncode == 2, done.stdout + done.stderr
        assert done.stderr.strip().splitlines() == [
            f"parley: port_busy: cannot listen for {what} on 127.0.0.1:{held}: "
            "Address already in use"
        ]
        assert "sign in" not in done.stdout.lower() and "ready" not in done.stdout
        assert op.db_processes() == [] and not (op.data_dir / "demo.json").exists()


def test_help_is_plain_text_and_describes_every_option() -> None:
    """``parley --help``: no reStructuredText markup; every command, action and option says
    what it is for."""
    done = subprocess.run([PARLEY, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "`" not in done.stdout, done.stdout + done.stderr
    assert "Run the Parley hub and administer it." in done.stdout

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {a.dest for a in action._choices_actions if a.help}
                for name, child in action.choices.items():
                    if name not in helped or not child.description:
                        missing.append(f"{path} {name}")
                    missing += walk(child, f"{path} {name}")
            elif action.dest != "help" and not action.help:
                missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
            elif action.help and "`" in action.help:
                missing.append(f"{path}: markup in {action.help!r}")
        return missing

    assert walk(cli_parser(), "parley") == []
