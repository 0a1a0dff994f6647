"""Rate-limit counters that hold across processes: one document per account and time window."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.models import RateCounter

__all__ = ["count_hit"]

#: Two first requests of a window may race on the upsert; the loser tries again.
ATTEMPTS = 3


async def count_hit(
    account_id: PydanticObjectId, window_start: int, expires_at: dt.datetime
) -> int:
    """Count one request of the account in the window starting at ``window_start`` (epoch
    seconds) and return the window's count so far (0 if every attempt lost a race).

    Every process increments the same document (``<account id>:<window start>``); the
    TTL index removes it after ``expires_at``.
    """
    collection = RateCounter.get_pymongo_collection()
    for _ in range(ATTEMPTS):
        try:
            doc = await collection.find_one_and_update(
                {"_id": f"{account_id}:{window_start}"},
                {"$inc": {"hits": 1}, "$setOnInsert": {"expires_at": expires_at}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue
        return int(doc["hits"]) if doc is not None else 0
    return 0
