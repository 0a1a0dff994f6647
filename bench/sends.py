"""Sending benchmark: API reply -> provider call latency, and sends per second.

    .venv/bin/python bench/sends.py [--rate 10] [--seconds 10] [--clients 16]

One uvicorn process of the hub on the embedded SecantusDB (as ``bench/ingest.py``),
whose test channel sends to a fast fake provider served by this process on
127.0.0.1 (it answers at once and notes when each message arrived). Prints:

- replies offered at ``--rate``/s through ``POST /api/v1/conversations/{id}/messages``:
  p50/p99 of the API's 202, and of the request's start to the provider's receipt;
- ``--clients`` concurrent API clients replying as fast as they can for ``--seconds``:
  replies accepted, sent within the same seconds, and sends per second until all left;
- the baselines of the same run: the provider called directly (latency and rate with
  the same concurrency), and raw ``insert_one`` of message-shaped documents into the
  embedded database (``ingest.raw_rate``), so a busy machine shows as a busy baseline.
- the CPU the database and the hub process spent during the flood, per reply (from its
  request until the provider had it).
``BENCH_ROOT`` as in ingest.py. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest

from hub import db
from hub.ops import embedded
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.tenants import accounts

ARRIVED: dict[str, float] = {}
#: The processes whose CPU the flood reports: the database and the hub (by name).
PIDS: dict[str, int] = {}


async def provider_send(request: Request) -> JSONResponse:
    data = await request.json()
    ARRIVED.setdefault(str(data.get("id")), time.monotonic())
    return JSONResponse({"sid": f"p-{data.get('id')}"})


async def start_provider(port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    app = Starlette(routes=[Route("/send", provider_send, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.05)
    return server, task


async def setup(uri: str, provider: str) -> dict[str, Any]:
    client = db.connect(uri)
    database = await db.init(client, ingest.DATABASE)
    async with httpx.AsyncClient() as http:
        hub = Hub(ingest.settings_for(uri), database, http, ingest._connectors())
        account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
        channel, _ = await accounts.create_channel(
            hub, account, "test", "Bench line", {"api_base_url": provider}
        )
        _, key = await accounts.create_key(account)
    await db.release(client)
    return {"webhook": f"/webhooks/test/{channel.id}", "key": key}


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


async def conversations(client: httpx.AsyncClient, auth: dict[str, str]) -> list[str]:
    ids: list[str] = []
    cursor = None
    while len(ids) < ingest.CONTACTS:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/conversations", params=params, headers=auth)).json()
        ids += [c["id"] for c in page["data"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    return ids


async def reply(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    conv: str,
    marks: dict[str, tuple[float, float]],
) -> None:
    t0 = time.monotonic()
    r = await client.post(
        f"/api/v1/conversations/{conv}/messages", json={"text": "thanks!"}, headers=auth
    )
    if r.status_code != 202:
        raise SystemExit(f"reply answered {r.status_code}: {r.text[:200]}")
    marks[r.json()["id"]] = (t0, time.monotonic())


async def offered_replies(
    client: Any, auth: Any, convs: list[str], rate: float, seconds: float
) -> Any:
    marks: dict[str, tuple[float, float]] = {}
    tasks = []
    t0 = time.monotonic()
    for i in range(int(rate * seconds)):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(reply(client, auth, convs[i % len(convs)], marks)))
    await asyncio.gather(*tasks)
    await drained(marks, 60)
    accepted = [(b - a) * 1000 for a, b in marks.values()]
    sent = [(ARRIVED[m] - a) * 1000 for m, (a, _) in marks.items() if m in ARRIVED]
    return accepted, sent


async def drained(marks: dict[str, Any], limit: float) -> float:
    deadline = time.monotonic() + limit
    while any(m not in ARRIVED for m in marks) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return time.monotonic()


async def flood(client: Any, auth: Any, convs: list[str], clients: int, seconds: float) -> Any:
    marks: dict[str, tuple[float, float]] = {}
    cpu0 = {pid: ingest.cpu_seconds(pid) for pid in PIDS.values()}
    t0 = time.monotonic()
    end = t0 + seconds

    async def worker(n: int) -> None:
        i = n
        while time.monotonic() < end:
            await reply(client, auth, convs[i % len(convs)], marks)
            i += clients

    await asyncio.gather(*[worker(n) for n in range(clients)])
    in_window = sum(1 for m in marks if m in ARRIVED and ARRIVED[m] <= end)
    done = await drained(marks, 120)
    cpu = {name: ingest.cpu_seconds(pid) - cpu0[pid] for name, pid in PIDS.items()}
    return len(marks), in_window, len(marks) / (done - t0), cpu


async def provider_baseline(provider: str, clients: int, seconds: float) -> tuple[float, float]:
    async with httpx.AsyncClient(base_url=provider) as direct:
        one = []
        for i in range(50):
            t = time.monotonic()
            await direct.post("/send", json={"id": f"base-{i}", "to": "x", "text": "x"})
            one.append((time.monotonic() - t) * 1000)
        count = 0
        end = time.monotonic() + seconds / 2

        async def worker() -> None:
            nonlocal count
            while time.monotonic() < end:
                await direct.post("/send", json={"id": f"rate-{count}", "to": "x", "text": "x"})
                count += 1

        await asyncio.gather(*[worker() for _ in range(clients)])
    return statistics.median(one), count / (seconds / 2)


async def run(args: argparse.Namespace) -> None:
    # The provider stand-in listens on loopback: let the outbound guard through to it
    # (here for the channel's set-up; the server reads PARLEY_OUTBOUND_ALLOW).
    os.environ.setdefault("PARLEY_OUTBOUND_ALLOW", "127.0.0.1/32")
    outbound.configure(("127.0.0.1/32",))
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        db_server = embedded.start(data)
        os.environ["BENCH_MONGODB_URI"] = db_server.uri
        provider_port = embedded.free_port()
        provider = f"http://127.0.0.1:{provider_port}"
        server, task = await start_provider(provider_port)
        try:
            info = await setup(db_server.uri, provider)
            port = embedded.free_port()
            base = f"http://127.0.0.1:{port}"
            PIDS["database"] = db_server.pid
            with ingest.server(db_server.uri, port, 1, data) as hub_process:
                PIDS["hub"] = hub_process.pid
                warm = [(f"w{i}", ingest.contact(i)) for i in range(ingest.CONTACTS)]
                await ingest.post_all(base, info["webhook"], warm, 16)
                await report(args, base, info, provider)
            rate, cpu_ms = await ingest.raw_rate(db_server.uri, db_server.pid, 600, args.clients)
            print(f"baseline: raw insert_one {rate:.0f}/s with {args.clients} clients; "
                  f"database CPU {cpu_ms:.1f} ms an insert; load {ingest.load()}")  # fmt: skip
        finally:
            server.should_exit = True
            await task
            db_server.stop()


async def report(args: argparse.Namespace, base: str, info: dict[str, Any], provider: str) -> None:
    auth = {"Authorization": f"Bearer {info['key']}"}
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        convs = await conversations(client, auth)
        print(f"machine: {ingest.machine()['cpu']}, {os.cpu_count()} cores; hub from {ingest.ROOT}")
        print(f"load average at the start: {ingest.load()}")
        base_ms, base_rate = await provider_baseline(provider, args.clients, args.seconds)
        print(f"baseline: provider called directly: p50 {base_ms:.1f} ms; "
              f"{base_rate:.0f} calls/s with {args.clients} clients")  # fmt: skip
        accepted, sent = await offered_replies(client, auth, convs, args.rate, args.seconds)
        print(f"{args.rate:.0f} replies/s offered: 202 p50 {pct(accepted, 50):.1f} ms, "
              f"p99 {pct(accepted, 99):.1f} ms; reply -> provider p50 {pct(sent, 50):.1f} ms, "
              f"p99 {pct(sent, 99):.1f} ms ({len(sent)}/{len(accepted)} sent)")  # fmt: skip
        total, in_window, rate, cpu = await flood(client, auth, convs, args.clients, args.seconds)
        print(f"{args.clients} API clients for {args.seconds:.0f} s: {total} replies accepted, "
              f"{in_window} sent within those seconds; {rate:.0f} sends/s until all left "
              f"(x{rate / base_rate:.2f} of the provider's direct rate)")  # fmt: skip
        print("CPU per send (accepted and sent): " + ", ".join(
            f"{name} {seconds * 1000 / max(total, 1):.2f} ms" for name, seconds in cpu.items()
        ))  # fmt: skip
        print(f"load average at the end: {ingest.load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
