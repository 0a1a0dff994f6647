"""Backup and restore benchmark: one account of 10k conversations and 100k messages.

    .venv/bin/python bench/backup.py [--size 10000]

Fills one account of a fresh embedded SecantusDB with N conversations of 10 messages each
(``bench/search.py``'s fill: ``insert_many`` of contacts, conversations and messages with
their terms), then times ``hub.store.backup.backup`` (what ``parley backup`` runs: every
collection in one snapshot transaction, raw BSON into a tar, sha256 per collection) and
``hub.store.backup.restore`` into a second, empty database (checksums verified first, then
inserts and indexes). The same run's baseline is a raw cursor read of every collection
(``find({})`` as raw BSON, no transaction, nothing written): what any dump must read.
Prints counts, times, the archive's size, the machine and the load. Asserts that the
restored database holds as many documents as the archive says.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import fill, load, machine  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.contract import now  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.store import backup  # noqa: E402
from hub.tenants import accounts  # noqa: E402
from tests.fakes import EchoConnector  # noqa: E402


async def raw_read(database: Any) -> tuple[int, int]:
    """Every document of every collection read once as raw BSON: (documents, bytes)."""
    count = size = 0
    for name in await backup._collections(database):
        collection = database.get_collection(name, codec_options=backup.RAW)
        async for document in collection.find({}, batch_size=backup.BATCH):
            count += 1
            size += len(document.raw)
    return count, size


async def run(app: Any, size: int, work: Path) -> None:
    hub = app.state.hub
    database = hub.database
    account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
    channel, _ = await accounts.create_channel(hub, account, "test", "Bench line", {})
    started = time.perf_counter()
    rate = await fill(database, account, channel, size, "1")
    counts = {n: await database[n].count_documents({}) for n in ("conversations", "messages")}
    print(
        f"filled {counts['conversations']:,} conversations, {counts['messages']:,} messages "
        f"in {time.perf_counter() - started:.0f} s ({rate:.0f} documents/s); load {load()}"
    )
    t = time.perf_counter()
    documents, raw_bytes = await raw_read(database)
    baseline = time.perf_counter() - t
    print(f"baseline: raw cursor read of every collection: {documents:,} documents, "
          f"{raw_bytes / 1e6:.1f} MB in {baseline:.2f} s; load {load()}")  # fmt: skip
    archive = work / "bench.tar"
    t = time.perf_counter()
    manifest = await backup.backup(database, archive, 1, "bench", now())
    took = time.perf_counter() - t
    print(f"backup: {len(manifest.collections)} collections, {manifest.documents:,} documents, "
          f"{archive.stat().st_size / 1e6:.1f} MB archive in {took:.2f} s "
          f"({took / baseline:.1f}x the baseline); load {load()}")  # fmt: skip
    target = database.client["bench_restored"]
    t = time.perf_counter()
    backup.read_manifest(archive)
    verified = time.perf_counter() - t
    await backup.restore(target, archive)
    took = time.perf_counter() - t
    restored = sum([await target[e.name].count_documents({}) for e in manifest.collections])
    assert restored == manifest.documents, (restored, manifest.documents)
    print(f"restore: {restored:,} documents in {took:.2f} s (of which verifying the archive "
          f"{verified:.2f} s; restore verifies once more itself); load {load()}")  # fmt: skip


async def measure(size: int, data: Path) -> None:
    server = embedded.start(data / "db")
    settings = Settings(
        data_dir=data / "var", mongodb_uri=server.uri, database="bench", secret_key="bench"
    )
    app = create_app(settings, connectors={"test": EchoConnector})
    try:
        async with app.router.lifespan_context(app):
            await run(app, size, data)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args.size, Path(tmp)))


if __name__ == "__main__":
    main()
