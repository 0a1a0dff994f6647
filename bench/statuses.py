"""Delivery status callbacks stored over HTTP, one status per request, against raw inserts.

    .venv/bin/python bench/statuses.py [--statuses 600] [--concurrency 16]

One uvicorn process of the hub on the embedded SecantusDB (as ``bench/ingest.py``).
Stores ``--statuses`` sent outbound messages, then posts one signed "delivered" callback
for each with ``--concurrency`` clients (as providers do: one status per request), and
prints the rate over HTTP and the database's CPU time per callback, with the same run's
raw ``insert_one`` rate as the baseline. Issue 27 batched the callbacks' writes
(``hub.store.status_batch``); ``BENCH_ROOT=<main checkout>`` measures before.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest

from hub import db
from hub.ops import embedded
from tests.fakes import sign


async def sent_messages(uri: str, channel_id: str, count: int) -> None:
    """``count`` outbound messages the provider took, with provider ids ``s-0``…"""
    from bson import ObjectId

    client = db.connect(uri)
    messages = client[ingest.DATABASE]["messages"]
    channel = await client[ingest.DATABASE]["channels"].find_one({"_id": ObjectId(channel_id)})
    assert channel is not None
    docs = []
    for i in range(count):
        doc: dict[str, Any] = ingest.raw_document(channel["account_id"], i)
        doc.update(
            channel_id=channel["_id"], direction="out", delivery="sent", delivery_rank=2,
            provider_message_id=f"s-{i}", sender={"type": "agent", "id": None, "name": None},
        )  # fmt: skip
        docs.append(doc)
    await messages.insert_many(docs)
    await db.release(client)


async def post_statuses(base: str, webhook: str, count: int, concurrency: int) -> float:
    """One signed "delivered" callback per message with ``concurrency`` clients; seconds."""
    queue = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        for i in queue:
            body = json.dumps({"statuses": [{"id": f"s-{i}", "status": "delivered"}]}).encode()
            headers = {"content-type": "application/json", "x-test-signature": sign("s3cret", body)}
            r = await client.post(webhook, content=body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"webhook answered {r.status_code}: {r.text}")

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        t0 = time.monotonic()
        await asyncio.gather(*[worker(client) for _ in range(concurrency)])
        return time.monotonic() - t0


async def delivered(uri: str) -> int:
    client = db.connect(uri)
    n = await client[ingest.DATABASE]["messages"].count_documents({"delivery": "delivered"})
    await db.release(client)
    return n


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        db_server = embedded.start(data)
        os.environ["BENCH_MONGODB_URI"] = db_server.uri
        try:
            info = await ingest.setup(db_server.uri)
            channel_id = info["webhook"].rsplit("/", 1)[-1]
            await sent_messages(db_server.uri, channel_id, args.statuses)
            port = embedded.free_port()
            base = f"http://127.0.0.1:{port}"
            with ingest.server(db_server.uri, port, 1, data):
                print(f"machine: {ingest.machine()['cpu']}, {os.cpu_count()} cores; hub from {ingest.ROOT}")  # fmt: skip
                print(
                    f"{args.statuses} callbacks, {args.concurrency} clients; load {ingest.load()}"
                )
                cpu0 = ingest.cpu_seconds(db_server.pid)
                elapsed = await post_statuses(
                    base, info["webhook"], args.statuses, args.concurrency
                )
                cpu = ingest.cpu_seconds(db_server.pid) - cpu0
                applied = await delivered(db_server.uri)
                print(
                    f"  status callbacks  {args.statuses / elapsed:6.1f} /s; database CPU "
                    f"{cpu * 1000 / args.statuses:5.1f} ms a callback; {applied} applied; "
                    f"load {ingest.load()}"
                )
            rate, cpu_ms = await ingest.raw_rate(
                db_server.uri, db_server.pid, args.statuses, args.concurrency
            )
            print(f"  raw insert_one    {rate:6.1f} /s; database CPU {cpu_ms:5.1f} ms an insert")
        finally:
            db_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
