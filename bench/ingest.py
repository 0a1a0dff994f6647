"""Ingest benchmark: signed webhooks through the HTTP route against raw inserts, one run.

    .venv/bin/python bench/ingest.py [--messages 2000] [--concurrency 32] [--workers 2]

Starts the embedded SecantusDB (``hub.ops.embedded.start``) on a temporary data
directory and prints, on that one database:

- the rate of signed webhooks ingested through ``POST /webhooks/test/{id}`` of a
  real uvicorn server (``--workers`` processes) fed by concurrent httpx clients,
  to conversations that exist already (the steady state);
- the raw pymongo ``insert_one`` rate of equivalent message documents into a
  collection with the same indexes, same write concern, same concurrency;
- their ratio (target >= 0.5);
- database operations per inbound message, counted with a pymongo
  ``CommandListener`` around an in-process app (target <= 4);
- webhook-to-SSE latency (p50, p99), one message at a time and under full load,
  seen by a signed-in ``/inbox/events`` subscriber;
- CPU seconds each process spent per message, which names the bottleneck;
- the machine.

Uses the test connector of ``tests/fakes.py`` (JSON + HMAC-SHA256 signature), so
run it from a checkout. Not part of the test run; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from base64 import b64encode
from collections import Counter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
import itsdangerous
from pymongo import monitoring

HERE = Path(__file__).resolve().parent
#: The checkout whose ``hub`` is measured: this one, or ``BENCH_ROOT`` (main, for "before").
ROOT = Path(os.environ.get("BENCH_ROOT") or HERE.parent).resolve()
sys.path.insert(0, str(ROOT))

from hub import db  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.pipeline.services import Hub  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.tenants import accounts  # noqa: E402
from tests.fakes import EchoConnector, sign  # noqa: E402

SECRET = "bench-secret"
CONTACTS = 500
DATABASE = "bench"


def settings_for(uri: str) -> Settings:
    return Settings(
        data_dir=Path(os.environ.get("BENCH_DATA_DIR", "var")),
        mongodb_uri=uri,
        database=DATABASE,
        secret_key=SECRET,
        # bench/sends.py's provider stand-in listens on loopback.
        outbound_allow=tuple(
            a for a in os.environ.get("PARLEY_OUTBOUND_ALLOW", "").split(",") if a
        ),
    )


def bench_app() -> Any:
    """The app each uvicorn worker runs (``uvicorn --factory bench.ingest:bench_app``).

    With ``BENCH_PROFILE=<file>``, SIGUSR2 starts cProfile in the server and SIGUSR1
    stops it and writes the file (a bench profiles the window it measures). With
    ``BENCH_FANOUT=<file>``, each call of the inbox rooms' ``flush`` that had shared signals
    for more than one stream appends "streams, wall seconds, process CPU seconds" to the file
    (after 7 Dec, session 4 that call is the writes to every stream; before, the queue puts)."""
    _time_fanout(os.environ.get("BENCH_FANOUT"))
    target = os.environ.get("BENCH_PROFILE")
    if target:
        import cProfile
        import signal

        profile = cProfile.Profile()
        signal.signal(signal.SIGUSR2, lambda *_: profile.enable())
        signal.signal(signal.SIGUSR1, lambda *_: (profile.disable(), profile.dump_stats(target)))
    return create_app(settings_for(os.environ["BENCH_MONGODB_URI"]), connectors=_connectors())


def _time_fanout(target: str | None) -> None:
    if not target:
        return
    try:
        from hub.inbox import rooms
    except ImportError:  # a hub from before the rooms (BENCH_ROOT): nothing to time
        return
    flush = getattr(rooms.Room, "flush", None)
    if flush is None:  # the rooms before they wrote to each stream themselves
        return
    original = flush

    def timed(room: Any) -> None:
        streams = sum(len(s) for s in room.by_user.values()) if room._pending else 0
        wall, cpu = time.perf_counter(), time.process_time()
        original(room)
        if streams > 1:
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            with open(target, "a") as out:
                out.write(f"{streams} {wall} {cpu}\n")

    rooms.Room.flush = timed  # type: ignore[method-assign]


def _connectors() -> dict[str, Any]:
    return {"test": EchoConnector}


# --------------------------------------------------------------------------- setup


async def setup(uri: str) -> dict[str, str]:
    """An account, a test channel and a signed-in agent's session cookie."""
    client = db.connect(uri)
    database = await db.init(client, DATABASE)
    async with httpx.AsyncClient() as http:
        hub = Hub(settings_for(uri), database, http, _connectors())
        account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
        channel, _ = await accounts.create_channel(hub, account, "test", "Bench line", {})
        user = await accounts.create_user(account, "agent@bench.test", "password1", "agent")
    await db.release(client)
    session = {"uid": str(user.id), "aid": str(account.id), "csrf": "bench"}
    cookie = itsdangerous.TimestampSigner(SECRET).sign(b64encode(json.dumps(session).encode()))
    return {"webhook": f"/webhooks/test/{channel.id}", "cookie": cookie.decode()}


def signed(message_id: str, sender: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"messages": [{"id": message_id, "from": sender, "text": f"hello {message_id}"}]}
    ).encode()
    return body, {"content-type": "application/json", "x-test-signature": sign("s3cret", body)}


def contact(i: int) -> str:
    return f"+4570{i:06d}"


# --------------------------------------------------------------------------- server


@contextlib.contextmanager
def server(uri: str, port: int, workers: int, data_dir: Path) -> Any:
    env = {**os.environ, "BENCH_MONGODB_URI": uri, "BENCH_DATA_DIR": str(data_dir)}
    env["PYTHONPATH"] = str(ROOT)
    env["BENCH_ROOT"] = str(ROOT)
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "ingest:bench_app", "--app-dir", str(HERE)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    cmd += os.environ.get("BENCH_SERVER_ARGS", "").split()  # e.g. --loop asyncio --http h11
    process = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the bench server did not start")
            time.sleep(0.1)
        time.sleep(1.0)  # every worker finishes its start-up, not only the first
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def children(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                helper = b"resource_tracker" in (proc / "cmdline").read_bytes()
                if int(stat[1]) == pid and not helper:
                    found.append(int(proc.name))
    return found


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- load


class Sse:
    """A signed-in inbox stream; records when each new message's signal arrives.

    The inbox's signals carry the message id (``c-<conversation>`` events); ``resolve``
    maps them to provider ids afterwards, which is what the load generator knows.
    """

    def __init__(self, base: str, cookie: str) -> None:
        self.base, self.cookie = base, cookie
        self.by_message_id: dict[str, float] = {}
        self.arrived: dict[str, float] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        headers = {"cookie": f"parley_session={self.cookie}"}
        async with (
            httpx.AsyncClient(base_url=self.base, timeout=None) as client,
            client.stream("GET", "/inbox/events", headers=headers) as stream,
        ):
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                    self.ready.set()
                elif line.startswith("data:") and event.startswith("c-"):
                    data = json.loads(line[5:])
                    if data.get("type") == "message.created":
                        self.by_message_id.setdefault(data["message_id"], time.monotonic())

    async def resolve(self, uri: str) -> None:
        """Key the arrivals by provider message id (read from the database)."""
        from bson import ObjectId

        client = db.connect(uri)
        ids = [ObjectId(i) for i in self.by_message_id]
        docs = client[DATABASE]["messages"].find({"_id": {"$in": ids}}, {"provider_message_id": 1})
        async for doc in docs:
            if doc.get("provider_message_id"):
                self.arrived[doc["provider_message_id"]] = self.by_message_id[str(doc["_id"])]
        await db.release(client)

    async def __aenter__(self) -> Sse:
        self.task = asyncio.create_task(self.run())
        await asyncio.wait_for(self.ready.wait(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def post_all(
    base: str, webhook: str, ids: list[tuple[str, str]], concurrency: int
) -> tuple[float, dict[str, float]]:
    """POST one signed webhook per (id, sender) with ``concurrency`` clients; (seconds, starts)."""
    started: dict[str, float] = {}
    queue = iter(ids)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        for message_id, sender in queue:
            body, headers = signed(message_id, sender)
            started[message_id] = time.monotonic()
            r = await client.post(webhook, content=body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"webhook answered {r.status_code}: {r.text}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        t0 = time.monotonic()
        await asyncio.gather(*[worker(client) for _ in range(concurrency)])
        return time.monotonic() - t0, started


def latencies(started: dict[str, float], sse: Sse) -> tuple[float, float, int]:
    """p50 and p99 of webhook start to SSE arrival, in ms, and how many arrived."""
    values = sorted((sse.arrived[k] - t) * 1000 for k, t in started.items() if k in sse.arrived)
    if len(values) < 2:
        return float("nan"), float("nan"), len(values)
    q = statistics.quantiles(values, n=100)
    return q[49], q[98], len(values)


async def wait_arrivals(sse: Sse, ids: list[tuple[str, str]], limit: float = 30) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        await sse.resolve(os.environ["BENCH_MONGODB_URI"])
        if all(i in sse.arrived for i, _ in ids):
            return


# --------------------------------------------------------------------------- raw inserts


def raw_document(account: Any, i: int) -> dict[str, Any]:
    """A document shaped like a stored inbound message (hub.models.Message)."""
    from bson import ObjectId

    from hub.contract import now

    return {
        "account_id": account,
        "conversation_id": ObjectId(),
        "channel_id": account,
        "direction": "in",
        "text": f"hello raw-{i}",
        "html": None,
        "subject": None,
        "attachments": [],
        "sender": {"type": "contact", "id": None, "name": None},
        "private": False,
        "payload": None,
        "quick_replies": [],
        "template": None,
        "location": None,
        "reply_to": None,
        "thread_refs": [],
        "automated": False,
        "delivery": "received",
        "delivery_rank": 0,
        "error": None,
        "provider_message_id": f"raw-{uuid.uuid4().hex}",
        "metadata": {"from": contact(i % CONTACTS)},
        "idempotency_key": None,
        "outbox_due": None,
        "outbox_owner": None,
        "attempts": 0,
        "updated_at": None,
        "created_at": now(),
    }


async def raw_rate(uri: str, db_pid: int, count: int, concurrency: int) -> tuple[float, float]:
    """insert_one of message-shaped documents into a collection with the messages' indexes."""
    from bson import ObjectId

    client = db.connect(uri)
    database = client[DATABASE]
    name = f"raw_{concurrency}"
    for spec in (await database["messages"].index_information()).values():
        keys = spec.pop("key")
        spec.pop("v", None)
        spec.pop("ns", None)
        if keys != [("_id", 1)]:
            await database[name].create_index(keys, **spec)
    collection = database[name]
    account = ObjectId()
    docs = [raw_document(account, i) for i in range(count)]
    queue = iter(docs)

    async def worker() -> None:
        for doc in queue:
            await collection.insert_one(doc)

    cpu0, t0 = cpu_seconds(db_pid), time.monotonic()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    elapsed, cpu = time.monotonic() - t0, cpu_seconds(db_pid) - cpu0
    await db.release(client)
    return count / elapsed, cpu * 1000 / count


# --------------------------------------------------------------------------- ops per message


class OpCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.micros: Counter[str] = Counter()
        self.on = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on and event.database_name == DATABASE:
            self.counts[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if self.on and event.database_name == DATABASE:
            self.micros[event.command_name] += event.duration_micros

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def ops_per_message(
    uri: str, db_pid: int, webhook: str, counter: OpCounter, n: int
) -> dict[str, Any]:
    """Database commands of an in-process app per message: steady state and new contacts."""
    app = create_app(settings_for(uri), connectors=_connectors())
    result: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for i in range(n):  # the steady state: every conversation exists already
                body, headers = signed(uuid.uuid4().hex, contact(i % CONTACTS))
                await client.post(webhook, content=body, headers=headers)
            for label, senders in (
                ("steady", [contact(i % CONTACTS) for i in range(n)]),
                ("new_contact", [f"+4580{i:06d}" for i in range(n)]),
            ):
                counter.counts.clear()
                counter.micros.clear()
                counter.on = True
                cpu0 = cpu_seconds(db_pid)
                for sender in senders:
                    body, headers = signed(uuid.uuid4().hex, sender)
                    await client.post(webhook, content=body, headers=headers)
                await asyncio.sleep(0.5)  # let the change stream's getMores land
                counter.on = False
                counts = {k: v / n for k, v in sorted(counter.counts.items())}
                if os.environ.get("BENCH_VERBOSE"):
                    print(label, {k: round(v / n / 1000, 2) for k, v in counter.micros.items()})
                result[label] = (counts, (cpu_seconds(db_pid) - cpu0) * 1000 / n)
    return result


# --------------------------------------------------------------------------- main


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "secantusdb": version("secantusdb"),
        "pymongo": version("pymongo"),
        "uvicorn": version("uvicorn"),
    }


async def throughput(args: argparse.Namespace, uri: str, info: dict[str, str], data: Path) -> Any:
    port = embedded.free_port()
    base = f"http://127.0.0.1:{port}"
    with server(uri, port, args.workers, data) as process:
        warm = [(uuid.uuid4().hex, contact(i)) for i in range(CONTACTS)]
        await post_all(base, info["webhook"], warm, args.concurrency)
        async with Sse(base, info["cookie"]) as sse:
            one = [(uuid.uuid4().hex, contact(random.randrange(CONTACTS))) for _ in range(200)]
            _, started_one = await post_all(base, info["webhook"], one, 1)
            await wait_arrivals(sse, one)
            idle = latencies(started_one, sse)
            load = [
                (uuid.uuid4().hex, contact(random.randrange(CONTACTS)))
                for _ in range(args.messages)
            ]
            pids = {"db": args.db_pid, "bench (clients)": os.getpid()}
            workers = children(process.pid) or [process.pid]  # one worker: uvicorn serves itself
            pids.update({f"uvicorn worker {i + 1}": p for i, p in enumerate(workers)})
            cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
            elapsed, started = await post_all(base, info["webhook"], load, args.concurrency)
            cpu = {k: (cpu_seconds(p) - cpu0[k]) for k, p in pids.items()}
            await wait_arrivals(sse, load)
            loaded = latencies(started, sse)
    return args.messages / elapsed, elapsed, idle, loaded, cpu


async def prefill(uri: str, count: int) -> None:
    """History: ``count`` older messages of another account, to see if cost grows with it."""
    from bson import ObjectId

    client = db.connect(uri)
    account = ObjectId()
    for start in range(0, count, 2000):
        docs = [raw_document(account, i) for i in range(start, min(count, start + 2000))]
        await client[DATABASE]["messages"].insert_many(docs)
    await db.release(client)


async def quick(args: argparse.Namespace, counter: OpCounter) -> None:
    """Only the in-process figures: ops and database CPU per message against a raw insert."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        db_server = embedded.start(Path(tmp))
        try:
            info = await setup(db_server.uri)
            await prefill(db_server.uri, args.prefill)
            ops = await ops_per_message(db_server.uri, db_server.pid, info["webhook"], counter, 300)
            raw = await raw_rate(db_server.uri, db_server.pid, 300, 1)
        finally:
            db_server.stop()
    for label, (counts, db_ms) in ops.items():
        print(f"{label}: {sum(counts.values()):.2f} ops {dict(counts)}; db cpu {db_ms:.2f} ms/msg")
    print(f"raw insert: db cpu {raw[1]:.2f} ms/doc; load {load()}")


async def run(args: argparse.Namespace) -> None:
    counter = OpCounter()
    monitoring.register(counter)
    if args.quick:
        await quick(args, counter)
        return
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        db_server = embedded.start(data)
        os.environ["BENCH_MONGODB_URI"] = db_server.uri
        args.db_pid = db_server.pid
        try:
            info = await setup(db_server.uri)
            rate, elapsed, idle, loaded, cpu = await throughput(args, db_server.uri, info, data)
            raw = await raw_rate(db_server.uri, db_server.pid, args.messages, args.concurrency)
            raw_seq = await raw_rate(db_server.uri, db_server.pid, min(args.messages, 1000), 1)
            ops = await ops_per_message(db_server.uri, db_server.pid, info["webhook"], counter, 200)
        finally:
            db_server.stop()
    report(args, rate, elapsed, raw, raw_seq, idle, loaded, cpu, ops)


def report(args: Any, rate: float, elapsed: float, raw: Any, raw_seq: Any, idle: Any,
           loaded: Any, cpu: dict[str, float], ops: dict[str, Any]) -> None:  # fmt: skip
    m = machine()
    print(f"machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}; hub from {ROOT}")
    print(f"load average at the end (1, 5, 15 min): {load()}")
    print(f"versions: secantusdb {m['secantusdb']}, pymongo {m['pymongo']}, uvicorn {m['uvicorn']}")
    print(f"setup: {args.workers} uvicorn workers, {args.concurrency} concurrent clients, "
          f"{args.messages} messages to {CONTACTS} existing conversations")  # fmt: skip
    print(f"webhooks ingested over HTTP: {rate:8.0f} msg/s  ({elapsed:.1f} s)")
    print(f"raw insert_one, same concurrency: {raw[0]:8.0f} docs/s  (db cpu {raw[1]:.2f} ms each)")
    print(
        f"raw insert_one, sequential:       {raw_seq[0]:8.0f} docs/s  (db cpu {raw_seq[1]:.2f} ms each)"
    )
    print(f"ratio HTTP ingest / raw insert (concurrent): {rate / raw[0]:.2f}  (target >= 0.5)")
    print(f"ratio HTTP ingest / raw insert (sequential): {rate / raw_seq[0]:.2f}")
    for label, (counts, db_ms) in ops.items():
        total = sum(counts.values())
        detail = ", ".join(f"{k} {v:.2f}" for k, v in counts.items())
        print(
            f"db operations per message ({label}): {total:.2f}  [{detail}]; db cpu {db_ms:.2f} ms"
        )
    print(f"webhook -> SSE latency, one at a time: p50 {idle[0]:.1f} ms, p99 {idle[1]:.1f} ms "
          f"({idle[2]} events)")  # fmt: skip
    print(f"webhook -> SSE latency, under load:    p50 {loaded[0]:.1f} ms, p99 {loaded[1]:.1f} ms "
          f"({loaded[2]} events)")  # fmt: skip
    total_cpu = sum(cpu.values())
    print(f"CPU per message (ms), {total_cpu / elapsed:.2f} of {m['cores']} cores busy:")
    for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        print(
            f"  {name:18} {seconds * 1000 / args.messages:6.2f} ms  ({seconds / elapsed:.2f} cores)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="only ops and db cpu per message")
    parser.add_argument("--prefill", type=int, default=0, help="--quick: older messages first")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
