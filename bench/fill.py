"""Does the embedded server slow down as it fills, and with what: size or indexes?

    .venv/bin/python bench/fill.py [--documents 8000] [--step 1000]

Starts a fresh SecantusDB (``hub.ops.embedded.start``) and inserts ``--documents``
conversation-like documents one ``insert_one`` at a time (4 concurrent clients) into
two collections in turn: one with ``_id`` alone and one with the indexes
``conversations`` declares (``hub.models.Conversation``). For each ``--step`` it prints
the insert rate, the server's CPU per insert, and a ``find_one`` by ``_id`` (median
of 20): growth with the collection's size shows in every column; growth with the
indexes only in the indexed collection.
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest
from bson import ObjectId
from pymongo import AsyncMongoClient, IndexModel

from hub.models import Conversation
from hub.ops import embedded


def _doc(account: ObjectId, i: int) -> dict[str, Any]:
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i)
    return {
        "account_id": account,
        "channel_id": account,
        "contact_id": ObjectId(),
        "contact_key": f"phone:+4520{i:06d}",
        "thread_key": "current",
        "status": "open",
        "handler": "human",
        "assignee_id": None,
        "team_id": None,
        "labels": [],
        "priority": "normal",
        "contact_name": f"Customer {i}",
        "last_message_at": at,
        "last_message_preview": "hello " * 10,
        "created_at": at,
        "waiting_since": at,
    }


def _indexes() -> list[IndexModel]:
    found = []
    for spec in Conversation.Settings.indexes:
        found.append(spec if isinstance(spec, IndexModel) else IndexModel(spec))
    return found


async def fill(client: AsyncMongoClient[Any], name: str, indexed: bool, args: Any, pid: int) -> None:  # fmt: skip
    coll = client["fill"][name]
    if indexed:
        await coll.create_indexes(_indexes())
    account = ObjectId()
    ids: list[Any] = []
    print(f"{name}: {len(await coll.index_information())} indexes")
    for start in range(0, args.documents, args.step):
        todo = iter(range(start, start + args.step))
        cpu0, t0 = ingest.cpu_seconds(pid), time.monotonic()

        async def worker(todo: Any) -> None:
            for i in todo:
                ids.append((await coll.insert_one(_doc(account, i))).inserted_id)

        await asyncio.gather(*[worker(todo) for _ in range(4)])
        took, cpu = time.monotonic() - t0, ingest.cpu_seconds(pid) - cpu0
        reads = []
        for n in range(20):
            t = time.perf_counter()
            await coll.find_one({"_id": ids[(n * 7919) % len(ids)]})
            reads.append((time.perf_counter() - t) * 1000)
        print(
            f"  {start + args.step:6} documents: {args.step / took:6.0f} inserts/s, server CPU "
            f"{cpu * 1000 / args.step:5.2f} ms an insert, find_one {statistics.median(reads):5.2f} ms; "
            f"load {ingest.load()}"
        )


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-fill-") as tmp:
        server = embedded.start(Path(tmp))
        try:
            client: AsyncMongoClient[Any] = AsyncMongoClient(server.uri)
            print(f"machine: {ingest.machine()['cpu']}, {os.cpu_count()} cores")
            await fill(client, "bare", False, args, server.pid)
            await fill(client, "indexed", True, args, server.pid)
            await client.close()
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=8000)
    parser.add_argument("--step", type=int, default=1000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
