"""Notifications: something one user should know at once (a whisper, an @mention)."""

from __future__ import annotations

import datetime as dt

import pymongo
from beanie import PydanticObjectId

from hub.models.base import TenantDocument

#: Kept a month: they are prompts, not records (the thread holds the note itself).
KEEP_SECONDS = 30 * 24 * 3600


class Notification(TenantDocument):
    user_id: str
    kind: str  # "mention" | "whisper"
    conversation_id: PydanticObjectId | None = None
    text: str = ""
    by: str | None = None
    read_at: dt.datetime | None = None

    class Settings:
        name = "notifications"
        # Nothing reads notifications back: the change stream carries each one as it is
        # written (docs/indexes.md, "Dropped"). The TTL index forgets them.
        indexes = [pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=KEEP_SECONDS)]
