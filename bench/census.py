"""What the index census changed, timed through the store's own functions.

    .venv/bin/python bench/census.py [--size 5000] [--repeat 15]

Fills a fresh embedded SecantusDB (Beanie creates the declared indexes of the checkout
measured) with ``--size`` contacts, webhook deliveries, pushes (five of each due), audit
events and usage lines of one account beside as many of another, then times: the daily
automatic reply's claim (one contact), the webhook and push workers' "next due" reads,
the retention's books count (``purge.books_before``, dry run), and one activity fact
written (``facts.record``: its indexes are paid on every fact). Each row prints p50/p99
in ms and the p50 as a multiple of the same run's baseline, a raw ``find_one({_id})``
(and a raw ``insert_one`` for the write).

``BENCH_ROOT=/path/to/another/checkout`` imports that checkout's ``hub`` instead, so the
same script measures "before" and "after". Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from beanie import PydanticObjectId, init_beanie  # noqa: E402
from bson import ObjectId  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from hub.models import DOCUMENTS  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.store import auto_replies, facts, purge, push, webhooks  # noqa: E402

NOW = dt.datetime.now(dt.UTC)


def machine() -> str:
    cpu = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, hub from {ROOT}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def timed(repeat: int, call: Callable[[int], Awaitable[Any]]) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        await call(i)
        times.append((time.perf_counter() - start) * 1000)
    return times


async def fill(database: Any, size: int, account: ObjectId) -> list[ObjectId]:
    contacts = [ObjectId() for _ in range(size)]
    for offset in range(0, size, 1000):
        chunk = range(offset, min(size, offset + 1000))
        other = ObjectId()
        await database["contacts"].insert_many(
            [
                {
                    "_id": contacts[i],
                    "account_id": account if i % 2 else other,
                    "primary_address": f"phone:+4520{i:06d}",
                    "addresses": [f"phone:+4520{i:06d}"],
                    "name": f"Customer {i}",
                    "created_at": NOW,
                }
                for i in chunk
            ]
        )
        for name, extra in (
            ("webhook_deliveries", lambda i: {"target_id": ObjectId(), "event_key": f"e{i}"}),
            ("push_deliveries", lambda i: {"subscription_id": ObjectId(), "event_key": f"e{i}"}),
        ):
            await database[name].insert_many(
                [
                    {
                        "account_id": account if i % 2 else other,
                        "status": "pending",
                        "created_at": NOW,
                        **({"due": NOW + dt.timedelta(hours=1)} if i % (size // 5) == 0 else {}),
                        **extra(i),
                    }
                    for i in chunk
                ]
            )
        at = [NOW - dt.timedelta(days=i % 4000) for i in chunk]
        await database["audit_events"].insert_many(
            [
                {
                    "account_id": account if i % 2 else other,
                    "actor": {"type": "system", "id": None, "name": "bench"},
                    "action": "bench.done",
                    "at": at[i - offset],
                    "created_at": at[i - offset],
                }
                for i in chunk
            ]
        )
        await database["usage_events"].insert_many(
            [
                {
                    "account_id": account if i % 2 else other,
                    "kind": "seats",
                    "at": at[i - offset],
                    "created_at": at[i - offset],
                }
                for i in chunk
            ]
        )
    return [c for i, c in enumerate(contacts) if i % 2]


async def run(size: int, repeat: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-census-"))
    server = embedded.start(data / "db")
    client: AsyncMongoClient[Any] = AsyncMongoClient(server.uri)
    database = client["bench_census"]
    try:
        await init_beanie(database=database, document_models=list(DOCUMENTS))
        account = ObjectId()
        print(f"  indexes of activity_events: {len(await database['activity_events'].index_information())}")  # fmt: skip
        began = time.perf_counter()
        mine = await fill(database, size, account)
        print(f"  filled {size} of each in {time.perf_counter() - began:.0f} s; load {load()}")
        raw = database["contacts"]
        owner = PydanticObjectId(account)
        cutoff = NOW - dt.timedelta(days=3650)
        rows: list[tuple[str, list[float]]] = [
            (
                "baseline: raw find_one({_id})",
                await timed(repeat, lambda i: raw.find_one({"_id": mine[i]})),
            ),
            (
                "auto reply claim (one contact)",
                await timed(
                    repeat,
                    lambda i: auto_replies.claim_daily_auto_reply(
                        owner, PydanticObjectId(mine[i]), NOW
                    ),
                ),
            ),
            (
                "webhook worker: next due",
                await timed(repeat, lambda i: webhooks.next_delivery_due_all_accounts()),
            ),
            ("push worker: next due", await timed(repeat, lambda i: push.next_due_all_accounts())),
            (
                "retention: books count (dry run)",
                await timed(max(3, repeat // 3), lambda i: purge.books_before(owner, cutoff, True)),
            ),
            (
                "baseline: raw insert_one",
                await timed(
                    repeat,
                    lambda i: database["bench_raw"].insert_one({"account_id": account, "n": i}),
                ),
            ),
            (
                "activity fact written (facts.record)",
                await timed(
                    repeat,
                    lambda i: facts.record(
                        owner, "bench", user_id="u1", team_id="t1", channel_id="c1"
                    ),
                ),
            ),
        ]
        found = await purge.books_before(owner, cutoff, True)
        print(f"  books the retention counts before 10 years: {found}")
        base_read = statistics.median(rows[0][1])
        base_write = statistics.median(rows[5][1])
        for name, times in rows:
            p50 = statistics.median(times)
            p99 = max(times) if len(times) < 100 else statistics.quantiles(times, n=100)[98]
            base = base_write if "insert" in name or "written" in name else base_read
            print(f"  {name:40} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  {p50 / base:7.1f}x baseline")
        print(f"  load average {load()}")
    finally:
        await client.close()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {load()}")
    asyncio.run(run(args.size, args.repeat))


if __name__ == "__main__":
    main()
