"""Live updates benchmark: webhook -> inbox SSE at fixed offered rates, and idle streams.

    .venv/bin/python bench/live.py [--rates 20,50,100] [--seconds 10] [--streams 500,1000,2000]

One ``parley serve``-like uvicorn process on the embedded SecantusDB (as
``bench/ingest.py``). Part 1 offers signed webhooks at each rate (open loop: a
request starts every 1/rate s, whatever the answers) to 500 existing conversations
and times, for each message, the start of its request to its signal on a signed-in
``/inbox/events`` stream: p50/p99, and how many of the offered were answered 2xx.
The baseline of the same run is one message at a time. Part 2 opens N idle inbox
streams (raw sockets, parked once ready: this process no longer reads them, unless
``--read-idle``), reports the server's resident memory per stream, and times one
webhook to one more listener (p50, p99 and max of ``--probes``; with fewer than 100
probes the p99 is the max). ``--streams 1,...`` gives the same run's baseline: the
path from webhook to listener with no other stream. ``BENCH_ROOT`` as in ingest.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest

from hub.ops import embedded


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def offered(
    base: str, webhook: str, rate: float, seconds: float
) -> tuple[dict[str, float], int]:
    """Start a webhook every 1/rate s for ``seconds``; returns starts and how many got 2xx."""
    started: dict[str, float] = {}
    ok = 0
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def one(message_id: str, sender: str) -> None:
            nonlocal ok
            body, headers = ingest.signed(message_id, sender)
            started[message_id] = time.monotonic()
            try:
                r = await client.post(webhook, content=body, headers=headers)
            except httpx.HTTPError:
                return  # refused or dropped under overload: counted as not answered 2xx
            ok += r.status_code == 200

        tasks = []
        t0 = time.monotonic()
        for i in range(int(rate * seconds)):
            delay = t0 + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            sender = ingest.contact(random.randrange(ingest.CONTACTS))
            tasks.append(asyncio.create_task(one(uuid.uuid4().hex, sender)))
        await asyncio.gather(*tasks)
    return started, ok


async def idle_stream(
    port: int, cookie: str, park: bool
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """One idle stream; ``park``: once ready, this process stops reading it (the kernel
    keeps what arrives), so the 2,000 "other browsers" cost the probe's process nothing."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /inbox/events HTTP/1.1\r\nHost: bench\r\nCookie: parley_session={cookie}\r\n\r\n".encode()
    )
    await writer.drain()
    while b"event: ready" not in await reader.readline():
        pass
    if park:
        writer.transport.pause_reading()  # type: ignore[attr-defined]
    return reader, writer


async def streams_part(
    args: argparse.Namespace, port: int, info: dict[str, str], pid: int
) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    base = f"http://127.0.0.1:{port}"
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    before = rss_kb(pid)
    for target in args.streams:
        while len(opened) < target:
            batch = [
                idle_stream(port, info["cookie"], not args.read_idle)
                for _ in range(min(100, target - len(opened)))
            ]
            opened += await asyncio.gather(*batch)
        await asyncio.sleep(1.0)
        per = (rss_kb(pid) - before) / max(1, len(opened))
        samples = []
        async with ingest.Sse(base, info["cookie"]) as sse:
            profiling = bool(os.environ.get("BENCH_PROFILE")) and target == args.streams[-1]
            if profiling:  # the probes' window only (ingest.bench_app)
                os.kill(pid, signal.SIGUSR2)
            cpu0 = ingest.cpu_seconds(pid)
            for _ in range(args.probes):
                one = [(uuid.uuid4().hex, ingest.contact(random.randrange(ingest.CONTACTS)))]
                _, started = await ingest.post_all(base, info["webhook"], one, 1)
                await ingest.wait_arrivals(sse, one, 30)
                if one[0][0] in sse.arrived:
                    samples.append((sse.arrived[one[0][0]] - started[one[0][0]]) * 1000)
            cpu = ingest.cpu_seconds(pid) - cpu0
            if profiling:
                os.kill(pid, signal.SIGUSR1)
        samples.sort()
        flushes = fanout_calls(len(opened) + 1)
        if flushes:
            wall = statistics.median(w for w, _ in flushes) * 1e6 / (len(opened) + 1)
            flush_cpu = statistics.median(c for _, c in flushes) * 1e6 / (len(opened) + 1)
            raw_wall, raw_cpu = raw_send_us(len(opened) + 1)
            print(
                f"  {len(opened):5} idle streams: the room's flush (median of {len(flushes)}): "
                f"{wall:.1f} µs a stream wall, {flush_cpu:.1f} µs CPU; baseline, raw socket.send of "
                f"the same size to as many loopback sockets in the bench process: "
                f"{raw_wall:.1f} µs wall, {raw_cpu:.1f} µs CPU a socket"
            )
        med = samples[len(samples) // 2] if samples else float("nan")
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] if samples else float("nan")
        print(
            f"  {len(opened):5} idle streams: server RSS +{per:6.1f} KB per stream; "
            f"one more listener gets an event in p50 {med:6.1f} ms, p99 {p99:6.1f} ms, "
            f"max {max(samples or [0]):6.1f} ms "
            f"({len(samples)} probes); server CPU {cpu * 1e6 / max(1, args.probes * len(opened)):.0f} µs "
            f"a stream a message; load {ingest.load()}"
        )
    return opened


def fanout_calls(streams: int) -> list[tuple[float, float]]:
    """The timed flushes to ``streams`` streams since the last call (``BENCH_FANOUT``)."""
    path = Path(os.environ["BENCH_FANOUT"])
    if not path.exists():
        return []
    lines = path.read_text().split()
    path.unlink()
    found = []
    for n, wall, cpu in zip(lines[0::3], lines[1::3], lines[2::3], strict=True):
        if int(n) == streams:
            found.append((float(wall), float(cpu)))
    return found


def raw_send_us(count: int, size: int = 700, rounds: int = 9) -> tuple[float, float]:
    """µs per ``socket.send`` of ``size`` bytes to ``count`` loopback TCP sockets whose
    other ends nobody reads (the kernel keeps the bytes), wall and CPU (medians of
    ``rounds``): the floor of a fan-out's write."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=count)
    pairs = []
    try:
        for _ in range(count):
            client = socket.create_connection(listener.getsockname())
            pairs.append((client, listener.accept()[0]))
        for _, server_end in pairs:
            server_end.setblocking(False)
        chunk = b"x" * size
        took, cpu = [], []
        for _ in range(rounds):
            started, cpu0 = time.perf_counter(), time.process_time()
            for _, server_end in pairs:
                server_end.send(chunk)
            took.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu0)
        return statistics.median(took) * 1e6 / count, statistics.median(cpu) * 1e6 / count
    finally:
        listener.close()
        for a, b in pairs:
            a.close()
            b.close()


def stop_with_streams(process: Any, streams: int) -> None:
    """SIGTERM the server with the streams still open; how long until it exited."""
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=60)
        took = f"{time.monotonic() - started:.1f} s"
    except subprocess.TimeoutExpired:
        took = "more than 60 s (killed)"
        process.kill()
    print(f"  SIGTERM with {streams} streams open: exited in {took}; load {ingest.load()}")


async def rates_part(args: argparse.Namespace, port: int, info: dict[str, str]) -> None:
    base = f"http://127.0.0.1:{port}"
    async with ingest.Sse(base, info["cookie"]) as sse:
        one = [
            (uuid.uuid4().hex, ingest.contact(random.randrange(ingest.CONTACTS))) for _ in range(50)
        ]
        _, started = await ingest.post_all(base, info["webhook"], one, 1)
        await ingest.wait_arrivals(sse, one)
        p50, p99, n = ingest.latencies(started, sse)
        print(f"  baseline, one at a time:  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  ({n} events)")
        for rate in args.rates:
            started, ok = await offered(base, info["webhook"], rate, args.seconds)
            ids = [(k, "") for k in started]
            await ingest.wait_arrivals(sse, ids, 60)
            p50, p99, n = ingest.latencies(started, sse)
            print(
                f"  {rate:5.0f} msg/s offered:    p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                f"({ok}/{len(started)} answered 2xx, {n} events); load {ingest.load()}"
            )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        os.environ["BENCH_FANOUT"] = str(data / "fanout.txt")
        db_server = embedded.start(data)
        os.environ["BENCH_MONGODB_URI"] = db_server.uri
        try:
            info = await ingest.setup(db_server.uri)
            port = embedded.free_port()
            with ingest.server(db_server.uri, port, 1, data) as process:
                base = f"http://127.0.0.1:{port}"
                warm = [(uuid.uuid4().hex, ingest.contact(i)) for i in range(ingest.CONTACTS)]
                await ingest.post_all(base, info["webhook"], warm, 16)
                print(
                    f"machine: {ingest.machine()['cpu']}, {os.cpu_count()} cores; hub from {ingest.ROOT}"
                )
                print(f"load average at the start: {ingest.load()}")
                if args.rates:
                    print("webhook -> inbox SSE (from the request's start), one uvicorn process:")
                    await rates_part(args, port, info)
                if args.streams:
                    print("idle inbox streams on one process:")
                    opened = await streams_part(args, port, info, process.pid)
                    stop_with_streams(process, len(opened))
                    for _, writer in opened:
                        writer.close()
        finally:
            db_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="20,50,100")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--streams", default="500,1000,2000")
    parser.add_argument("--probes", type=int, default=10)
    parser.add_argument(
        "--read-idle",
        action="store_true",
        help="read the idle streams in the bench process too (as before 7 Dec, session 4): "
        "their reads then delay the probe's in the same event loop",
    )
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",") if r]
    args.streams = [int(s) for s in args.streams.split(",") if s]
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
