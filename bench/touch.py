"""The conversation write of an inbound message as the collection grows, two ways.

    .venv/bin/python bench/touch.py [--sizes 500,2000,4000] [--repeat 100]

Starts the embedded SecantusDB, creates the hub's collections and indexes
(``hub.db.init``: ``conversations`` with all its indexes), fills ``conversations`` with
one account's conversations up to each size (``insert_many``), and prints the server's
CPU time per write of an existing conversation:

- ``find_one_and_update`` by the conversation's unique key (what ingest's touch sent
  before issue 27's fourth round);
- a ``find_one`` by the same key and an ``update_one`` by ``_id`` (what it sends now:
  ``hub.store.threads.current`` and the guarded update of ``hub.store.touches``).

On SecantusDB 0.7.0b3 the first re-finds its match with ``{_id, $and: [query]}``, a
collection scan, so it grows with the collection; the second does not. Not part of the
test run; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest

from hub import db
from hub.ops import embedded

#: The conversation's unique key (``hub.store.threads.ThreadKey``).
KEY = ("account_id", "channel_id", "contact_key", "thread_key")


async def _cpu_per_call(pid: int, repeat: int, call: Any) -> float:
    before = ingest.cpu_seconds(pid)
    for i in range(repeat):
        await call(i)
    return (ingest.cpu_seconds(pid) - before) * 1000 / repeat


async def _compare(
    pid: int, conversations: Any, probe: list[dict[str, Any]]
) -> tuple[float, float]:
    """CPU per write of each of ``probe``'s conversations: (find_one_and_update, read + update)."""
    keys = [{k: d[k] for k in KEY} for d in probe]

    def update(i: int) -> dict[str, Any]:
        return {"$inc": {"unread": 1}, "$set": {"last_message_preview": f"m{i}"}}

    async def fam(i: int) -> None:
        await conversations.find_one_and_update(
            keys[i], update(i), return_document=ReturnDocument.AFTER
        )

    async def read_then_update(i: int) -> None:
        await conversations.find_one(keys[i], {"_id": 1})
        await conversations.update_one({"_id": probe[i]["_id"]}, update(i))

    return (
        await _cpu_per_call(pid, len(probe), fam),
        await _cpu_per_call(pid, len(probe), read_then_update),
    )


async def run(args: argparse.Namespace) -> None:
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        server = embedded.start(Path(tmp))
        try:
            client = db.connect(server.uri)
            await db.init(client, ingest.DATABASE)
            conversations = client[ingest.DATABASE]["conversations"]
            account, channel = ObjectId(), ObjectId()
            stored = 0
            print(f"machine: {ingest.machine()}")
            print("conversations | find_one_and_update by key | find by key + update_one by _id")
            for size in sizes:
                docs = [
                    {
                        "account_id": account,
                        "channel_id": channel,
                        "contact_key": f"phone:+45{70000000 + n}",
                        "thread_key": "current",
                        "status": "open",
                        "handler": "human",
                        "last_message_at": dt.datetime.now(dt.UTC),
                        "unread": 0,
                    }
                    for n in range(stored, size)
                ]
                for start in range(0, len(docs), 500):
                    await conversations.insert_many(docs[start : start + 500])
                stored = size
                a, b = await _compare(server.pid, conversations, docs[: args.repeat])
                print(f"{size:13,} | {a:22.2f} ms | {b:27.2f} ms   (load {ingest.load()})")
            await db.release(client)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="500,2000,4000")
    parser.add_argument("--repeat", type=int, default=100)
    os.environ.setdefault("BENCH_DATA_DIR", "var")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
