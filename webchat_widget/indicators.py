"""Typing indicators: ephemeral, and carried between processes by the change stream.

One small document per (conversation, side) is upserted on every change; its
change event (``typing.created``/``typing.updated`` in ``hub.pipeline.realtime``) reaches
the widget's and the inbox's streams in every process. Indicators expire on the
client after ``TTL`` seconds, and a TTL index removes stale documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from beanie import PydanticObjectId
from pymongo.asynchronous.database import AsyncDatabase

from hub.contract import now

COLLECTION = "widget_typing"
TTL = dt.timedelta(seconds=8)
Side = Literal["visitor", "agent"]


async def set_typing(
    database: AsyncDatabase,
    *,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    side: Side,
    typing: bool,
    name: str | None = None,
) -> None:
    at = now()
    await database[COLLECTION].update_one(
        {"_id": f"{conversation_id}:{side}"},
        {
            "$set": {
                "account_id": account_id,
                "conversation_id": conversation_id,
                "side": side,
                "typing": typing,
                "name": name,
                "at": at,
                "expires_at": at + TTL,
            }
        },
        upsert=True,
    )


async def ensure_indexes(database: AsyncDatabase) -> None:
    await database[COLLECTION].create_index("expires_at", expireAfterSeconds=0)
