"""Migration 1: the stored shapes this round added, brought to a database written before it.

- ``terms`` on contacts and messages (the search index, ``hub.store.search``): filled for
  every document that lacks them, as ``parley search reindex`` does;
- ``labels`` documents (labels as objects, ``hub.store.labels``): one per label name a
  conversation carries, created with the default colour where the account has none.

Idempotent: terms are recomputed (not appended) and labels are upserted.
"""

from __future__ import annotations

from hub.store import labels, search
from hub.store.database import Database

NAME = "search terms on contacts and messages; label documents for the labels in use"


async def up(database: Database) -> dict[str, int]:
    rewritten = await search.reindex()
    created = 0
    async for row in await database["conversations"].aggregate(
        [
            {"$match": {"labels.0": {"$exists": True}}},
            {"$unwind": "$labels"},
            {"$group": {"_id": "$account_id", "names": {"$addToSet": "$labels"}}},
        ]
    ):
        before = await database["labels"].count_documents({"account_id": row["_id"]})
        await labels.ensure_labels(row["_id"], [str(n) for n in row["names"]])
        created += await database["labels"].count_documents({"account_id": row["_id"]}) - before
    return {**rewritten, "labels": created}
