"""Queue positions of one page against the queue's length, in one run.

    .venv/bin/python bench/positions.py [--waiting 6000]

Fills a fresh embedded SecantusDB with ``--waiting`` open, unassigned conversations of
one account (one queue) and times, for the newest page of 25: the whole-queue read
(``queues.positions``, what the API used before issue 27), the kept order
(``QueueOrders.positions``: its first call reads the queue once, the next ones are
O(page)), and as baselines a projected read and a count of the queue. ``BENCH_ROOT``
as in ingest.py (a checkout without ``queue_order`` prints the first rows only).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402

from hub import db  # noqa: E402
from hub.centre.routing import queues  # noqa: E402
from hub.models import Conversation  # noqa: E402
from hub.ops import embedded  # noqa: E402


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


async def timed(what: str, fn: object, repeat: int = 5) -> None:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    print(f"  {what:44} p50 {samples[len(samples) // 2]:8.1f} ms  max {samples[-1]:8.1f} ms")


async def run(waiting: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = embedded.start(Path(tmp))
        try:
            client = db.connect(server.uri)
            database = await db.init(client, "bench")
            account, now = ObjectId(), dt.datetime.now(dt.UTC)
            docs = []
            for i in range(waiting):
                at = now - dt.timedelta(seconds=waiting - i)
                docs.append(
                    {
                        "_id": ObjectId(),
                        "account_id": account,
                        "contact_id": ObjectId(),
                        "channel_id": ObjectId(),
                        "channel_type": "test",
                        "contact_key": f"k{i}",
                        "thread_key": "current",
                        "status": "open",
                        "handler": "human",
                        "assignee_id": None,
                        "team_id": None,
                        "labels": [],
                        "vip": i % 50 == 0,
                        "priority": "normal",
                        "unread": 0,
                        "last_message_at": at,
                        "created_at": at,
                        "updated_at": at,
                        "queued_at": at,
                        "waiting_since": at,
                    }
                )
            for i in range(0, waiting, 1000):
                await database["conversations"].insert_many(docs[i : i + 1000])
            page = [Conversation.model_validate(d) for d in docs[-25:]]
            print(f"{waiting} waiting in one queue, a page of 25; load {load()}")
            await timed(
                "whole-queue read (queues.positions)", lambda: queues.positions(account, page)
            )
            filt = {"account_id": account, "team_id": None, "assignee_id": None, "status": "open"}
            coll = database["conversations"]
            await timed(
                "baseline: projected read of the queue",
                lambda: coll.find(filt, {"vip": 1}).to_list(),
            )
            await timed("baseline: count of the queue", lambda: coll.count_documents(filt))
            try:
                from hub.centre.routing.queue_order import QueueOrders  # type: ignore[import-not-found,unused-ignore]
            except ImportError:
                print("  (no kept queue order in this checkout)")
            else:
                orders = QueueOrders()
                await timed(
                    "kept order, first call (reads once)",
                    lambda: orders.positions(account, page),
                    1,
                )
                await timed(
                    "kept order, next calls (O(page))", lambda: orders.positions(account, page), 20
                )
            await figures(account)
            print(f"  load average {load()}")
            await db.release(client)
        finally:
            server.stop()


async def figures(account: ObjectId) -> None:
    """The queue figures' reads of one queue (``hub.centre.reports.live.snapshot``): the
    whole queue as conversations (every surface before), its sums in one aggregate
    (without a kept order), its projected rows (the API's ids, a kept order's first read),
    and the sums of a kept order (the app's surfaces once the queue is kept)."""
    from hub.store import queues as queue_store

    print("queue figures of that queue (count, longest and average wait):")
    await timed(
        "whole queue as conversations (before)",
        lambda: queue_store.waiting_in_queue(account, None),
    )
    stats = getattr(queue_store, "waiting_stats", None)
    if stats is None:
        print("  (no aggregate of the queue's sums in this checkout)")
        return
    await timed("one aggregate of its sums (wallboard)", lambda: stats(account, None), 15)
    await timed("projected rows (the API's ids)", lambda: queue_store.queue_rows(account, None))
    from hub.centre.routing.queue_order import QueueOrders

    orders = QueueOrders()
    await orders.order(account, None)

    async def kept() -> object:
        return (await orders.order(account, None)).stats()

    await timed("kept order's sums (a kept queue, in the app)", kept, 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", type=int, default=6000)
    asyncio.run(run(parser.parse_args().waiting))


if __name__ == "__main__":
    main()
