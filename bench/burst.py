"""A burst of inbound messages to one conversation, against the same spread over many.

    .venv/bin/python bench/burst.py [--messages 300] [--concurrency 16]

One uvicorn process of the hub on the embedded SecantusDB (as ``bench/ingest.py``).
Posts ``--messages`` signed webhooks with ``--concurrency`` clients, all from one
customer (one conversation), then as many from ``ingest.CONTACTS`` customers (the
same-run baseline), and prints for each the rate over HTTP and the database's CPU time
per message. Before issue 27's merge each message's conversation upsert ran alone, so
a burst to one conversation queued on one document. ``BENCH_ROOT`` as in ingest.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest

from hub.ops import embedded


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as tmp:
        data = Path(tmp)
        db_server = embedded.start(data)
        os.environ["BENCH_MONGODB_URI"] = db_server.uri
        try:
            info = await ingest.setup(db_server.uri)
            port = embedded.free_port()
            base = f"http://127.0.0.1:{port}"
            with ingest.server(db_server.uri, port, 1, data):
                warm = [(uuid.uuid4().hex, ingest.contact(i)) for i in range(ingest.CONTACTS)]
                await ingest.post_all(base, info["webhook"], warm, args.concurrency)
                print(f"machine: {ingest.machine()['cpu']}, {os.cpu_count()} cores; hub from {ingest.ROOT}")  # fmt: skip
                print(f"{args.messages} webhooks, {args.concurrency} clients; load {ingest.load()}")
                shapes = {
                    "burst to one conversation": lambda i: ingest.contact(0),
                    "spread over 500 (baseline)": lambda i: ingest.contact(i % ingest.CONTACTS),
                }
                for what, sender in shapes.items():
                    ids = [(uuid.uuid4().hex, sender(i)) for i in range(args.messages)]
                    cpu0 = ingest.cpu_seconds(db_server.pid)
                    elapsed, _ = await ingest.post_all(base, info["webhook"], ids, args.concurrency)
                    cpu = ingest.cpu_seconds(db_server.pid) - cpu0
                    print(
                        f"  {what:28} {args.messages / elapsed:6.1f} msg/s; database CPU "
                        f"{cpu * 1000 / args.messages:5.1f} ms a message; load {ingest.load()}"
                    )
        finally:
            db_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
