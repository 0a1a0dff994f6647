"""Per-account rate limits that hold across processes: one database counter per time window."""

from __future__ import annotations

import datetime as dt
import math

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.api.errors import ApiError
from hub.contract import now
from hub.models import RateCounter


async def count(account_id: PydanticObjectId, limit: int, window_seconds: int) -> None:
    """Count one request of the account; past ``limit`` in the window, 429 with Retry-After.

    A fixed window keyed by its start: every process increments the same document,
    and the TTL index removes old windows.
    """
    at = now().timestamp()
    start = int(at // window_seconds) * window_seconds
    key = f"{account_id}:{start}"
    expires = dt.datetime.fromtimestamp(start + 2 * window_seconds, dt.UTC)
    collection = RateCounter.get_pymongo_collection()
    doc = None
    for _ in range(3):
        try:
            doc = await collection.find_one_and_update(
                {"_id": key},
                {"$inc": {"hits": 1}, "$setOnInsert": {"expires_at": expires}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            break
        except DuplicateKeyError:  # two first requests of a window raced on the upsert
            continue
    if doc is not None and doc["hits"] > limit:
        retry = max(1, math.ceil(start + window_seconds - at))
        raise ApiError(
            429,
            "rate_limited",
            f"over {limit} requests in {window_seconds} s; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
