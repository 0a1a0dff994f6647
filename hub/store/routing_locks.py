"""The routing lock: one assignment pass per account at a time, across every process.

The lock is one document per account (``_id`` is the account id as a string). ``owner``
holds it until ``until``; ``pending`` asks the holder for one more pass. Every change is
one conditional update, so exactly one caller wins each.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.contract import now
from hub.models import RoutingLock


def _key(account_id: PydanticObjectId) -> str:
    return str(account_id)


async def take(account_id: PydanticObjectId, owner: str, lease: dt.timedelta) -> bool:
    """Take the free lock (or one whose lease ran out) for ``owner``; True when taken."""
    collection = RoutingLock.get_pymongo_collection()
    key = _key(account_id)
    held = {"owner": owner, "until": now() + lease, "pending": False}
    try:
        result = await collection.update_one(
            {"_id": key, "owner": None}, {"$set": held}, upsert=True
        )
    except DuplicateKeyError:
        result = None  # someone holds it
    if result is not None and (result.modified_count or result.upserted_id is not None):
        return True
    stale = await collection.update_one({"_id": key, "until": {"$lt": now()}}, {"$set": held})
    return bool(stale.modified_count)


async def ask_for_pass(account_id: PydanticObjectId) -> None:
    """Ask whoever holds the lock for one more pass."""
    await RoutingLock.get_pymongo_collection().update_one(
        {"_id": _key(account_id)}, {"$set": {"pending": True}}
    )


async def release(account_id: PydanticObjectId, owner: str) -> bool:
    """Let go unless a pass was asked for meanwhile; True when let go."""
    done = await RoutingLock.get_pymongo_collection().update_one(
        {"_id": _key(account_id), "owner": owner, "pending": False},
        {"$set": {"owner": None, "until": None}},
    )
    return bool(done.modified_count)


async def renew_for_pass(account_id: PydanticObjectId, owner: str, lease: dt.timedelta) -> bool:
    """Keep the lock for the pass asked for (clearing ``pending``); False when it was lost."""
    again = await RoutingLock.get_pymongo_collection().update_one(
        {"_id": _key(account_id), "owner": owner},
        {"$set": {"pending": False, "until": now() + lease}},
    )
    return bool(again.modified_count)


async def abandon(account_id: PydanticObjectId, owner: str) -> None:
    """Let go whatever was asked for."""
    await RoutingLock.get_pymongo_collection().update_one(
        {"_id": _key(account_id), "owner": owner}, {"$set": {"owner": None, "until": None}}
    )
