"""Rate-limit counters that hold across processes: one document per account and time window."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.models import RateCounter
from hub.store.gather import Gatherer

__all__ = ["RateHits", "count_hit"]

#: Two first requests of a window may race on the upsert; the loser tries again.
ATTEMPTS = 3


async def count_hit(
    account_id: PydanticObjectId, window_start: int, expires_at: dt.datetime, hits: int = 1
) -> int:
    """Count ``hits`` requests of the account in the window starting at ``window_start``
    (epoch seconds) and return the window's count so far (0 if every attempt lost a race).

    Every process increments the same document (``<account id>:<window start>``); the
    TTL index removes it after ``expires_at``.
    """
    collection = RateCounter.get_pymongo_collection()
    for _ in range(ATTEMPTS):
        try:
            doc = await collection.find_one_and_update(
                {"_id": f"{account_id}:{window_start}"},
                {"$inc": {"hits": hits}, "$setOnInsert": {"expires_at": expires_at}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue
        return int(doc["hits"]) if doc is not None else 0
    return 0


Hit = tuple[PydanticObjectId, int, dt.datetime]


class RateHits(Gatherer[Hit, int]):
    """The hits of concurrent requests, counted together (``hub.store.gather``): one
    ``$inc`` by their number per account and window; each request gets the count its own
    hit made (the count after the batch, less the hits after it), as if counted alone.
    One per process (``Hub.rate_hits``)."""

    async def write(self, batch: list[Hit]) -> list[int]:
        counts: dict[tuple[PydanticObjectId, int], int] = {}
        for account_id, start, _ in batch:
            counts[(account_id, start)] = counts.get((account_id, start), 0) + 1
        after: dict[tuple[PydanticObjectId, int], int] = {}
        for account_id, start, expires in batch:
            key = (account_id, start)
            if key not in after:
                after[key] = await count_hit(account_id, start, expires, counts[key])
        seen: dict[tuple[PydanticObjectId, int], int] = {}
        results = []
        for account_id, start, _ in batch:
            key = (account_id, start)
            seen[key] = seen.get(key, 0) + 1
            total = after[key]
            results.append(total - counts[key] + seen[key] if total else 0)
        return results
