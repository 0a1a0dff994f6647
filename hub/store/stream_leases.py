"""Stream leases (``hub.models.StreamLease``): a process's inbox streams, per user.

Each call is one command whatever the number of streams: the process keeps the count
of its streams in memory (``hub.centre.routing.presence.Liveness``) and writes only when
a user's first stream opens, their last one closes, and once per heartbeat period for
all of them together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from beanie import PydanticObjectId

from hub.models import StreamLease


async def hold(
    account_id: PydanticObjectId, user_id: PydanticObjectId, process: str, until: dt.datetime
) -> None:
    """``process`` holds a stream of the user open until ``until`` (renewed)."""
    await StreamLease.get_pymongo_collection().update_one(
        {"process": process, "user_id": user_id},
        {"$set": {"account_id": account_id, "until": until}},
        upsert=True,
    )


async def renew(process: str, user_ids: Collection[PydanticObjectId], until: dt.datetime) -> None:
    """Renew every lease of ``process`` on these users (one write for all of them).

    Runs across accounts by nature: a process's streams belong to many accounts.
    """
    if user_ids:
        await StreamLease.get_pymongo_collection().update_many(
            {"process": process, "user_id": {"$in": list(user_ids)}}, {"$set": {"until": until}}
        )


async def leases_of(
    user_ids: Collection[PydanticObjectId],
) -> dict[PydanticObjectId, list[dt.datetime]]:
    """Each user's leases' ends, of every process (the presence time-outs span accounts)."""
    found: dict[PydanticObjectId, list[dt.datetime]] = {}
    if not user_ids:
        return found
    cursor = StreamLease.get_pymongo_collection().find(
        {"user_id": {"$in": list(user_ids)}}, {"user_id": 1, "until": 1}
    )
    async for doc in cursor:
        until = doc["until"]
        if until.tzinfo is None:
            until = until.replace(tzinfo=dt.UTC)
        found.setdefault(PydanticObjectId(doc["user_id"]), []).append(until)
    return found
