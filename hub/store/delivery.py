"""The delivery-state writes of outbound messages (the state machine is ``hub.pipeline.delivery``).

Each function is one guarded write or read; the caller decides which state comes next.
A provider's report moves messages forward only (``advance`` names the rank it must
beat); the dispatcher's outcomes are written only while it still owns the claim
(``outbox_owner``); a requeue moves only a message that ended failed or undelivered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from beanie import PydanticObjectId

from hub.contract import DeliveryState, now
from hub.models import Conversation, EarlyStatus, Message, SendError

#: The outbox's claim fields, cleared when a message leaves the outbox.
OUT_OF_OUTBOX = {"outbox_due": "", "outbox_owner": ""}


def _owned(message: Message, owner: str) -> dict[str, object]:
    """The filter of a claimed message while ``owner`` still holds its claim."""
    return {"_id": message.id, "account_id": message.account_id, "outbox_owner": owner}


async def outbound_by_provider_id(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_message_id: str
) -> list[PydanticObjectId]:
    """The account's outbound messages on the channel with this provider id.

    Exactly the (channel_id, provider_message_id) index; account and direction are
    checked on the documents (the embedded planner scans when more fields are named).
    """
    docs = Message.get_pymongo_collection().find(
        {"channel_id": channel_id, "provider_message_id": provider_message_id},
        {"account_id": 1, "direction": 1},
    )
    return [
        d["_id"] async for d in docs if d["account_id"] == account_id and d["direction"] == "out"
    ]


async def add_report_metadata(ids: list[PydanticObjectId], metadata: Mapping[str, object]) -> None:
    """Keep a report's facts on the messages (even when their state does not move)."""
    facts = {f"metadata.{k}": v for k, v in metadata.items()}
    await Message.get_pymongo_collection().update_many({"_id": {"$in": ids}}, {"$set": facts})


async def advance(
    ids: list[PydanticObjectId], state: DeliveryState, rank: int, error: SendError | None
) -> int:
    """Move the messages below ``rank`` to ``state`` (out of the outbox); how many moved."""
    update: dict[str, object] = {"delivery": state, "delivery_rank": rank, "updated_at": now()}
    if error is not None:
        update["error"] = error.model_dump()
    result = await Message.get_pymongo_collection().update_many(
        {"_id": {"$in": ids}, "delivery_rank": {"$lt": rank}},
        {"$set": update, "$unset": OUT_OF_OUTBOX},
    )
    return result.modified_count


async def conversations_of(ids: list[PydanticObjectId]) -> list[PydanticObjectId]:
    """The conversation of each of these messages."""
    docs = Message.get_pymongo_collection().find({"_id": {"$in": ids}}, {"conversation_id": 1})
    return [d["conversation_id"] async for d in docs]


async def flag_conversation(conversation_id: PydanticObjectId, failed: bool) -> None:
    """The list's "not delivered" flag: set when a reply fails, cleared when it is retried."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id}, {"$set": {"delivery_failed_at": now() if failed else None}}
    )


async def keep_early_status(
    account_id: PydanticObjectId,
    channel_id: PydanticObjectId,
    provider_message_id: str,
    state: DeliveryState,
    error: SendError | None,
    metadata: Mapping[str, object],
) -> None:
    """A report that beat the send call's answer, kept until the send records its id."""
    await EarlyStatus(
        account_id=account_id,
        channel_id=channel_id,
        provider_message_id=provider_message_id,
        status=state,
        error=error,
        metadata=dict(metadata),
    ).insert()


async def early_statuses(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_message_id: str
) -> list[EarlyStatus]:
    """The reports kept for ``provider_message_id``."""
    return await EarlyStatus.find(
        EarlyStatus.account_id == account_id,
        EarlyStatus.channel_id == channel_id,
        EarlyStatus.provider_message_id == provider_message_id,
    ).to_list()


async def drop_early_status(item: EarlyStatus) -> None:
    await item.delete()


async def mark_sent(
    message: Message,
    owner: str,
    provider_message_id: str,
    state: DeliveryState,
    rank: int,
    metadata: Mapping[str, object],
) -> None:
    """The provider took the claimed message: its id, ``state``, out of the outbox."""
    update: dict[str, object] = {
        "provider_message_id": provider_message_id,
        "delivery": state,
        "delivery_rank": rank,
        "error": None,
        "updated_at": now(),
    }
    for key, value in metadata.items():
        update[f"metadata.{key}"] = value
    await Message.get_pymongo_collection().update_one(
        _owned(message, owner), {"$set": update, "$unset": OUT_OF_OUTBOX}
    )


async def mark_ended(
    message: Message, owner: str, state: DeliveryState, rank: int, error: SendError
) -> bool:
    """The claimed message ended in ``state`` with ``error``; whether it was still owned."""
    result = await Message.get_pymongo_collection().update_one(
        _owned(message, owner),
        {
            "$set": {
                "delivery": state,
                "delivery_rank": rank,
                "error": error.model_dump(),
                "updated_at": now(),
            },
            "$unset": OUT_OF_OUTBOX,
        },
    )
    return bool(result.modified_count)


async def mark_due_again(
    message: Message,
    owner: str,
    state: DeliveryState,
    rank: int,
    error: SendError,
    *,
    at: dt.datetime,
    due: dt.datetime,
) -> None:
    """The claimed message goes back to ``state`` at ``at``, due at ``due``, its last error kept."""
    await Message.get_pymongo_collection().update_one(
        _owned(message, owner),
        {
            "$set": {
                "delivery": state,
                "delivery_rank": rank,
                "outbox_due": due,
                "error": error.model_dump(),
                "updated_at": at,
            },
            "$unset": {"outbox_owner": ""},
        },
    )


async def requeue(
    account_id: PydanticObjectId,
    message_id: PydanticObjectId,
    ended: list[DeliveryState],
    state: DeliveryState,
    rank: int,
) -> tuple[bool, PydanticObjectId | None]:
    """Move the account's public outbound message that ended in one of ``ended`` back to
    ``state``, due now, error and attempts cleared. Returns whether it moved, and then
    its conversation's id."""
    at = now()
    collection = Message.get_pymongo_collection()
    result = await collection.update_one(
        {
            "_id": message_id,
            "account_id": account_id,
            "direction": "out",
            "private": False,
            "delivery": {"$in": list(ended)},
        },
        {
            "$set": {
                "delivery": state,
                "delivery_rank": rank,
                "error": None,
                "attempts": 0,
                "outbox_due": at,
                "updated_at": at,
            },
            "$unset": {"outbox_owner": "", "provider_message_id": ""},
        },
    )
    if result.modified_count != 1:
        return False, None
    doc = await collection.find_one({"_id": message_id}, {"conversation_id": 1})
    return True, None if doc is None else PydanticObjectId(doc["conversation_id"])
