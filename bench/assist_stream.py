"""Assist's streamed drafts: the endpoint's first chunk -> the first words at the composer.

    .venv/bin/python bench/assist_stream.py [--runs 50] [--chunk-delay 0.02]

Starts the embedded SecantusDB, the local OpenAI-compatible stand-in of the tests
(``tests/assist/standin.py``, in this process) and two uvicorn processes:

- the hub (``parley serve``-like, one worker), with an account whose assist points at the
  stand-in, one conversation and a signed-in agent; the client opens the composer's route
  ``GET /inbox/c/{id}/assist/suggestions`` (``text/event-stream``) as the page's
  EventSource does;
- the baseline of the same run: a plain relay (``relay_app``) that streams the same
  completion from the stand-in with the same client and SSE reader (httpx + httpx-sse)
  and re-emits each delta as a server-sent event with sse-starlette, nothing else.

For each of ``--runs`` requests it times the stand-in writing its first content chunk to
the client reading the first ``draft`` event (both clocks are this process's
``time.monotonic``): p50, p99 and max per path, with the machine and its load. The goal
(issue #28): p99 within 100 ms. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import itsdangerous

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("BENCH_ROOT") or HERE.parent).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import ingest  # noqa: E402
from httpx_sse import EventSource  # noqa: E402
from sse_starlette.event import ServerSentEvent  # noqa: E402
from sse_starlette.sse import EventSourceResponse  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from hub import assist, db  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.models import Conversation  # noqa: E402
from hub.models.account import AssistPatch  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.pipeline import outbound  # noqa: E402
from hub.pipeline.services import Hub  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.tenants import accounts  # noqa: E402
from tests.assist.standin import Answer, StandIn  # noqa: E402

DRAFTS = "Bonjour Ann, votre commande part demain.\n---\nMerci Ann, elle arrive jeudi.\n"


def settings_for(uri: str) -> Settings:
    return Settings(
        data_dir=Path(os.environ.get("BENCH_DATA_DIR", "var")),
        mongodb_uri=uri,
        database=ingest.DATABASE,
        secret_key=ingest.SECRET,
        outbound_allow=("127.0.0.1/32",),  # the stand-in is on loopback
    )


def bench_app() -> Any:
    """The hub (``uvicorn --factory assist_stream:bench_app``)."""
    settings = settings_for(os.environ["BENCH_MONGODB_URI"])
    return create_app(settings, connectors={"test": ingest.EchoConnector})


def relay_app() -> Any:
    """The baseline: the same completion relayed as SSE, with nothing of the hub around it."""
    target = os.environ["BENCH_STANDIN"] + "/chat/completions"
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    http = httpx.AsyncClient(timeout=30)

    async def relay(request: Request) -> Response:
        async def events() -> AsyncIterator[ServerSentEvent]:
            async with http.stream("POST", target, json=body) as response:
                async for event in EventSource(response).aiter_sse():
                    if event.data.strip() == "[DONE]":
                        break
                    for choice in json.loads(event.data).get("choices", []):
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            data = json.dumps({"index": 0, "delta": delta})
                            yield ServerSentEvent(data, event="draft")
            yield ServerSentEvent("{}", event="done")

        return EventSourceResponse(events())

    return Starlette(routes=[Route("/relay", relay)])


async def setup(uri: str, stand_in: StandIn) -> dict[str, str]:
    """An account using the stand-in, a conversation with the customer's words, an agent."""
    client = db.connect(uri)
    database = await db.init(client, ingest.DATABASE)
    outbound.configure(settings_for(uri).outbound_allow)
    async with httpx.AsyncClient() as http:
        hub = Hub(settings_for(uri), database, http, {"test": ingest.EchoConnector})
        account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
        channel, _ = await accounts.create_channel(hub, account, "test", "Bench line", {})
        user = await accounts.create_user(account, "agent@bench.test", "password1", "agent")
        patch = AssistPatch.model_validate({"base_url": stand_in.base_url, "model": "m"})
        await assist.configure(hub, account, patch)
    await db.release(client)
    session = {"uid": str(user.id), "aid": str(account.id), "csrf": "bench"}
    cookie = itsdangerous.TimestampSigner(ingest.SECRET).sign(
        b64encode(json.dumps(session).encode())
    )
    return {"webhook": f"/webhooks/test/{channel.id}", "cookie": cookie.decode()}


@contextlib.contextmanager
def uvicorn_process(factory: str, port: int, env: dict[str, str]) -> Any:
    cmd = [sys.executable, "-m", "uvicorn", "--factory", factory, "--app-dir", str(HERE)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    cmd += ["--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(cmd, env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                httpx.get(f"http://127.0.0.1:{port}/")
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit(f"{factory} did not start")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


async def first_words(
    client: httpx.AsyncClient, url: str, stand_in: StandIn, headers: dict[str, str]
) -> float:
    """Milliseconds from the stand-in's first content chunk to the first ``draft`` event."""
    stand_in.chunk_times.clear()
    arrived = 0.0
    async with client.stream("GET", url, headers={"Accept": "text/event-stream", **headers}) as r:
        assert r.status_code == 200, r.status_code
        async for event in EventSource(r).aiter_sse():
            if event.event == "draft" and not arrived:
                arrived = time.monotonic()
            if event.event in ("done", "failed"):
                assert event.event == "done", event.data
                break
    assert arrived and stand_in.chunk_times, "no draft arrived"
    return (arrived - stand_in.chunk_times[0]) * 1000


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f} ms, p99 {p99:6.1f} ms, max {ordered[-1]:6.1f} ms"


async def run(args: argparse.Namespace) -> None:
    at_start = ingest.load()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        db_server = embedded.start(data)
        try:
            async with StandIn.running() as stand_in:
                stand_in.answer(Answer(text=DRAFTS, chunk_delay=args.chunk_delay, chunk_size=8))
                info = await setup(db_server.uri, stand_in)
                hub_port, relay_port = embedded.free_port(), embedded.free_port()
                env = {"BENCH_MONGODB_URI": db_server.uri, "BENCH_DATA_DIR": str(data),
                       "BENCH_STANDIN": stand_in.base_url, "BENCH_ROOT": str(ROOT)}  # fmt: skip
                with (
                    uvicorn_process("assist_stream:bench_app", hub_port, env),
                    uvicorn_process("assist_stream:relay_app", relay_port, env),
                ):
                    hub_url = f"http://127.0.0.1:{hub_port}"
                    body, headers = ingest.signed("bench-1", "+4512345678")
                    cookie = {"Cookie": f"parley_session={info['cookie']}"}
                    relay = f"http://127.0.0.1:{relay_port}/relay"
                    timings: dict[str, list[float]] = {"hub": [], "relay": []}
                    async with httpx.AsyncClient(timeout=30) as client:
                        r = await client.post(
                            hub_url + info["webhook"], content=body, headers=headers
                        )
                        assert r.status_code == 200, r.text
                        conversation = await conversation_id(db_server.uri)
                        route = f"{hub_url}/inbox/c/{conversation}/assist/suggestions"
                        for _ in range(3):  # warm both (connections, caches, imports)
                            await first_words(client, route, stand_in, cookie)
                            await first_words(client, relay, stand_in, {})
                        for _ in range(args.runs):  # interleaved: both see the same load
                            timings["hub"].append(
                                await first_words(client, route, stand_in, cookie)
                            )
                            timings["relay"].append(await first_words(client, relay, stand_in, {}))
        finally:
            db_server.stop()
    m = ingest.machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; hub from {ROOT}")
    print(f"load average (1, 5, 15 min) at the start: {at_start}; at the end: {ingest.load()}")
    print(f"{args.runs} runs each, stand-in chunks every {args.chunk_delay * 1000:.0f} ms")
    print(f"endpoint's first chunk -> composer route's first draft: {summary(timings['hub'])}")
    print(f"endpoint's first chunk -> plain SSE relay (baseline):    {summary(timings['relay'])}")


async def conversation_id(uri: str) -> str:
    client = db.connect(uri)
    await db.init(client, ingest.DATABASE)
    try:
        for _ in range(100):
            found = await Conversation.find_one()
            if found is not None:
                return str(found.id)
            await asyncio.sleep(0.05)
    finally:
        await db.release(client)
    raise SystemExit("the webhook opened no conversation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--chunk-delay", type=float, default=0.02)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
