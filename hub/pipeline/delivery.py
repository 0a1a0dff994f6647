"""Delivery states of outbound messages: the one module that moves ``Message.delivery``.

The order is the contract's ``DELIVERY_RANK`` (queued < sending < sent <
delivered < read; failed and undelivered end it). Every write here moves a
message forward only, or (``requeue``, ``retry``) back to ``queued`` on the
outbox's own terms:

- ``apply_status``: a provider's report (from ingest); one that beats the send
  call's answer is kept as an ``EarlyStatus`` and applied by ``sent``.
- ``sent``, ``failed``, ``retry``: the dispatcher's outcome of a send attempt,
  written only while the dispatcher still owns the claim (``owned``).
- ``requeue``: an agent sends a failed message again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId

from hub.contract import DELIVERY_RANK, StatusUpdate, now
from hub.models import Conversation, EarlyStatus, Message, SendError

#: Longest wait between two attempts, in seconds.
MAX_BACKOFF = 900.0
#: The outbox's claim fields, cleared when a message leaves the outbox.
_OUT_OF_OUTBOX = {"outbox_due": "", "outbox_owner": ""}


def initial(private: bool) -> dict[str, Any]:
    """The delivery fields of a new outbound message: a note is done, a reply is queued."""
    state = "sent" if private else "queued"
    return {"delivery": state, "delivery_rank": DELIVERY_RANK[state]}


def owned(message: Message, owner: str) -> dict[str, Any]:
    """The filter of a claimed message while ``owner`` still holds its claim."""
    return {"_id": message.id, "account_id": message.account_id, "outbox_owner": owner}


async def apply_status(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, status: StatusUpdate
) -> bool:
    """Move a sent message's delivery forward; never backward. Early reports are kept."""
    rank = DELIVERY_RANK[status.status]
    update: dict[str, Any] = {"delivery": status.status, "delivery_rank": rank, "updated_at": now()}
    error = _reported_error(status)
    if error is not None:
        update["error"] = error.model_dump()
    collection = Message.get_pymongo_collection()
    # Exactly the (channel_id, provider_message_id) index; account and direction are
    # checked on the documents (the embedded planner scans when more fields are named).
    docs = collection.find(
        {"channel_id": channel_id, "provider_message_id": status.provider_message_id},
        {"account_id": 1, "direction": 1},
    )
    ids = [
        d["_id"] async for d in docs if d["account_id"] == account_id and d["direction"] == "out"
    ]
    if ids:
        mine: dict[str, Any] = {"_id": {"$in": ids}}
        if status.metadata:  # facts, not states: kept even when the state does not move
            facts = {f"metadata.{k}": v for k, v in status.metadata.items()}
            await collection.update_many(mine, {"$set": facts})
        result = await collection.update_many(
            {**mine, "delivery_rank": {"$lt": rank}}, {"$set": update, "$unset": _OUT_OF_OUTBOX}
        )
        if result.modified_count and status.status in ("failed", "undelivered"):
            for doc in await collection.find(mine, {"conversation_id": 1}).to_list():
                await _flag_conversation(doc["conversation_id"], True)
        return bool(result.modified_count)
    # The report beat the send call's answer: keep it for ``sent`` to apply.
    await EarlyStatus(
        account_id=account_id,
        channel_id=channel_id,
        provider_message_id=status.provider_message_id,
        status=status.status,
        error=error,
        metadata=status.metadata,
    ).insert()
    return False


def _reported_error(status: StatusUpdate) -> SendError | None:
    if not status.error_code and status.status not in ("failed", "undelivered"):
        return None
    return SendError(
        code=status.error_code or status.status,
        message=status.error_message or f"the provider reported {status.status}",
    )


async def sent(
    message: Message, owner: str, provider_id: str, status: str, meta: dict[str, Any]
) -> None:
    """The provider took the message: at least ``sent``; then apply reports that came early."""
    rank = DELIVERY_RANK.get(status, DELIVERY_RANK["sent"])
    update: dict[str, Any] = {
        "provider_message_id": provider_id,
        "delivery": status if rank >= DELIVERY_RANK["sent"] else "sent",
        "delivery_rank": max(rank, DELIVERY_RANK["sent"]),
        "error": None,
        "updated_at": now(),
    }
    for key, value in meta.items():
        update[f"metadata.{key}"] = value
    await Message.get_pymongo_collection().update_one(
        owned(message, owner), {"$set": update, "$unset": _OUT_OF_OUTBOX}
    )
    await apply_early_statuses(message.account_id, message.channel_id, provider_id)


async def apply_early_statuses(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_id: str
) -> None:
    """Apply, then drop, the reports kept for ``provider_id`` before its send returned."""
    early = await EarlyStatus.find(
        EarlyStatus.account_id == account_id,
        EarlyStatus.channel_id == channel_id,
        EarlyStatus.provider_message_id == provider_id,
    ).to_list()
    for item in early:
        await apply_status(
            account_id,
            channel_id,
            StatusUpdate(
                provider_message_id=provider_id,
                status=item.status,
                error_code=item.error.code if item.error else None,
                error_message=item.error.message if item.error else None,
                metadata=item.metadata,
            ),
        )
        await item.delete()


async def _flag_conversation(conversation_id: PydanticObjectId, failed: bool) -> None:
    """The list's "not delivered" flag: set when a reply fails, cleared when it is retried."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id}, {"$set": {"delivery_failed_at": now() if failed else None}}
    )


async def failed(message: Message, owner: str, code: str, text: str) -> None:
    """The send will never succeed as it is: ``failed`` with the provider's reason."""
    result = await Message.get_pymongo_collection().update_one(
        owned(message, owner),
        {
            "$set": {
                "delivery": "failed",
                "delivery_rank": DELIVERY_RANK["failed"],
                "error": SendError(code=code, message=text).model_dump(),
                "updated_at": now(),
            },
            "$unset": _OUT_OF_OUTBOX,
        },
    )
    if result.modified_count:
        await _flag_conversation(message.conversation_id, True)


def backoff(attempts: int, base: float, retry_after: float | None) -> float:
    """Seconds until the next attempt: doubling from ``base``, at least what the provider asked."""
    return float(min(MAX_BACKOFF, max(retry_after or 0.0, base * 2 ** (attempts - 1))))


async def retry(message: Message, owner: str, code: str, text: str, delay: float) -> None:
    """Back to ``queued``, due again in ``delay`` seconds, with the last error kept."""
    at = now()
    await Message.get_pymongo_collection().update_one(
        owned(message, owner),
        {
            "$set": {
                "delivery": "queued",
                "delivery_rank": DELIVERY_RANK["queued"],
                "outbox_due": at + dt.timedelta(seconds=delay),
                "error": SendError(code=code, message=text).model_dump(),
                "updated_at": at,
            },
            "$unset": {"outbox_owner": ""},
        },
    )


async def requeue(account_id: PydanticObjectId, message_id: PydanticObjectId) -> bool:
    """Send a failed outbound message again: queued, due now, error and attempts cleared.

    Only a message of the account that ended ``failed`` or ``undelivered`` moves;
    returns whether one did. The dispatcher picks it up like a new reply.
    """
    at = now()
    result = await Message.get_pymongo_collection().update_one(
        {
            "_id": message_id,
            "account_id": account_id,
            "direction": "out",
            "private": False,
            "delivery": {"$in": ["failed", "undelivered"]},
        },
        {
            "$set": {
                "delivery": "queued",
                "delivery_rank": DELIVERY_RANK["queued"],
                "error": None,
                "attempts": 0,
                "outbox_due": at,
                "updated_at": at,
            },
            "$unset": {"outbox_owner": "", "provider_message_id": ""},
        },
    )
    if result.modified_count != 1:
        return False
    doc = await Message.get_pymongo_collection().find_one(
        {"_id": message_id}, {"conversation_id": 1}
    )
    if doc is not None:  # sent again: the flag waits for how this attempt ends
        await _flag_conversation(doc["conversation_id"], False)
    return True
