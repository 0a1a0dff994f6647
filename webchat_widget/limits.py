"""Rate limits per visitor and per IP, counted in the database so every process agrees.

A counter is one document per (scope, key): the first hit opens a window and
later hits within it increment the count, in one atomic update. Expired
windows restart on the next hit; a TTL index removes idle counters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from hub.contract import now

COLLECTION = "widget_rates"


class RateLimited(Exception):
    """Too many requests in the window: answered 429 with Retry-After."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many requests ({scope}); try again in {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    hits: int
    window: dt.timedelta


async def hit(database: AsyncDatabase, scope: str, key: str, limit: Limit) -> None:
    """Count one request of ``key`` in ``scope``; raises ``RateLimited`` over the limit."""
    at = now()
    live = {"$gt": ["$expires_at", at]}
    update = [
        {
            "$set": {
                "n": {"$cond": [live, {"$add": ["$n", 1]}, 1]},
                "expires_at": {"$cond": [live, "$expires_at", at + limit.window]},
            }
        }
    ]
    collection = database[COLLECTION]
    doc = None
    for _ in range(3):
        try:
            doc = await collection.find_one_and_update(
                {"_id": f"{scope}:{key}"},
                update,
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue  # two first hits raced; the second increments the first's window
        if doc is None:  # applied but not returned (see hub.ingest): read it back
            doc = await collection.find_one({"_id": f"{scope}:{key}"})
        break
    if doc is not None and doc["n"] > limit.hits:
        wait = max(1, int((doc["expires_at"] - at).total_seconds()) + 1)
        raise RateLimited(scope, wait)


async def ensure_indexes(database: AsyncDatabase) -> None:
    await database[COLLECTION].create_index("expires_at", expireAfterSeconds=0)
