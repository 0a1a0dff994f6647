"""What the rules for automatic replies read and claim (``hub.centre.automatic.replies``)."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import Contact, Conversation, Message
from hub.store import paging


async def latest_inbound(
    account_id: PydanticObjectId, conversation: Conversation
) -> Message | None:
    """The conversation's newest inbound message (what an automatic reply would answer)."""
    docs, _ = await paging.read_window(
        Message.get_pymongo_collection(),
        {"account_id": account_id, "conversation_id": conversation.id},
        "created_at",
        limit=1,
        keep=lambda doc: doc.get("direction") == "in",
        since=conversation.created_at - dt.timedelta(days=1),
    )
    return Message.model_validate(docs[0]) if docs else None


async def claim_daily_auto_reply(
    account_id: PydanticObjectId, contact_id: PydanticObjectId, at: dt.datetime
) -> bool:
    """Take the contact's one automatic reply of the day: True when none was sent to the contact
    in the 24 hours before ``at`` (atomic, so two processes cannot both send one).

    Two conditional updates (never replied; replied a day ago or more), not one with an
    ``$or``: SecantusDB read every contact for the ``$or`` (docs/indexes.md)."""
    collection = Contact.get_pymongo_collection()
    for since in (None, {"$lte": at - dt.timedelta(days=1)}):
        result = await collection.update_one(
            {"_id": contact_id, "account_id": account_id, "auto_replied_at": since},
            {"$set": {"auto_replied_at": at}},
        )
        if result.modified_count == 1:
            return True
    return False
