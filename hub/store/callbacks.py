"""Callback queries: the account's callback requests, the offers made on phone channels,
and what the offer reads of teams and their waiting conversations.

A call is claimed atomically (``claim_call``, ``record_attempt``): two plain filters,
not an ``$or`` — free, or already the caller's — so a second agent is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.models import CallbackAttempt, CallbackOffer, CallbackRequest, Conversation, Team
from hub.models.callback import CallbackStatus

#: Open callbacks: still to be made.
OPEN = (CallbackStatus.WAITING, CallbackStatus.REQUEUED)


class CallbackChanges(BaseModel):
    """The fields a change of a callback sets (only those given are written)."""

    phone: str | None = None
    team_id: str | None = None
    window_from: dt.datetime | None = None
    window_until: dt.datetime | None = None
    customer_input: str | None = None
    status: CallbackStatus | None = None
    calling_since: dt.datetime | None = None
    due_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


def _doc(doc: dict[str, Any] | None) -> CallbackRequest | None:
    return None if doc is None else CallbackRequest.model_validate(doc)


def _open(account_id: PydanticObjectId, callback_id: PydanticObjectId) -> dict[str, Any]:
    return {"_id": callback_id, "account_id": account_id, "status": {"$in": list(OPEN)}}


# --------------------------------------------------------------------------- callbacks


async def insert_callback(callback: CallbackRequest) -> CallbackRequest:
    await callback.insert()
    return callback


async def get_callback(
    account_id: PydanticObjectId, callback_id: PydanticObjectId
) -> CallbackRequest | None:
    return await CallbackRequest.find_one(
        CallbackRequest.id == callback_id, CallbackRequest.account_id == account_id
    )


async def claim_call(
    account_id: PydanticObjectId,
    callback_id: PydanticObjectId,
    by_id: str,
    by_name: str,
    at: dt.datetime,
) -> CallbackRequest | None:
    """Make ``by_id`` the handler of an open callback no one calls (or that they call
    already); None when it is closed or someone else calls."""
    claim = {
        "$set": {
            "handler_id": by_id,
            "handler_name": by_name,
            "calling_since": at,
            "updated_at": at,
        }
    }
    return await _first_of_mine(account_id, callback_id, by_id, claim)


async def _first_of_mine(
    account_id: PydanticObjectId,
    callback_id: PydanticObjectId,
    by_id: str,
    change: dict[str, Any],
) -> CallbackRequest | None:
    collection = CallbackRequest.get_pymongo_collection()
    base = _open(account_id, callback_id)
    # Two plain filters, not an $or: free, or already mine (pressing it twice is fine).
    for who in ({"calling_since": None}, {"handler_id": by_id}):
        doc = await collection.find_one_and_update(
            {**base, **who}, change, return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            return _doc(doc)
    return None


async def release_call(
    account_id: PydanticObjectId, callback_id: PydanticObjectId, by_id: str | None, at: dt.datetime
) -> CallbackRequest | None:
    """No one calls any more: the handler ``by_id`` (None: whoever calls); None when
    ``by_id`` is not the handler (or there is no such callback)."""
    query: dict[str, Any] = {"_id": callback_id, "account_id": account_id}
    if by_id is not None:
        query["handler_id"] = by_id
    doc = await CallbackRequest.get_pymongo_collection().find_one_and_update(
        query,
        {"$set": {"calling_since": None, "updated_at": at}},
        return_document=ReturnDocument.AFTER,
    )
    return _doc(doc)


async def record_attempt(
    account_id: PydanticObjectId,
    callback_id: PydanticObjectId,
    attempt: CallbackAttempt,
    status: CallbackStatus,
    due_at: dt.datetime | None,
) -> CallbackRequest | None:
    """Add ``attempt`` to an open callback no one else calls and move it to ``status``;
    None when it is closed or someone else calls."""
    change = {
        "$push": {"attempts": attempt.model_dump()},
        "$set": {
            "status": status,
            "due_at": due_at,
            "last_note": attempt.note,
            "handler_id": attempt.by,
            "handler_name": attempt.by_name,
            "calling_since": None,
            "updated_at": attempt.at,
        },
    }
    return await _first_of_mine(account_id, callback_id, attempt.by, change)


async def change_callback(
    account_id: PydanticObjectId, callback_id: PydanticObjectId, changes: CallbackChanges
) -> CallbackRequest | None:
    doc = await CallbackRequest.get_pymongo_collection().find_one_and_update(
        {"_id": callback_id, "account_id": account_id},
        {"$set": changes.model_dump(exclude_unset=True)},
        return_document=ReturnDocument.AFTER,
    )
    return _doc(doc)


async def with_status(
    account_id: PydanticObjectId, status: CallbackStatus, since: dt.datetime | None = None
) -> list[CallbackRequest]:
    """The account's callbacks in ``status`` (an equality read), requested since ``since``
    when given (a bounded range on requested_at)."""
    query: dict[str, Any] = {"account_id": account_id, "status": status}
    if since is not None:
        query["requested_at"] = {"$gte": since}
    return await CallbackRequest.find(query).to_list()


async def for_contact(
    account_id: PydanticObjectId, contact_id: PydanticObjectId
) -> list[CallbackRequest]:
    return await CallbackRequest.find(
        CallbackRequest.account_id == account_id, CallbackRequest.contact_id == contact_id
    ).to_list()


async def for_conversation(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> list[CallbackRequest]:
    return await CallbackRequest.find(
        CallbackRequest.account_id == account_id,
        CallbackRequest.conversation_id == conversation_id,
    ).to_list()


async def count_open(account_id: PydanticObjectId, team_id: str | None) -> int:
    """The team's open callbacks: one equality count per open status (the index serves each)."""
    collection = CallbackRequest.get_pymongo_collection()
    total = 0
    for one in OPEN:
        total += await collection.count_documents(
            {"account_id": account_id, "team_id": team_id, "status": one}
        )
    return total


async def open_counts_by_team(account_id: PydanticObjectId) -> dict[str | None, int]:
    """Open callbacks per team id (None: without a team): one read of ``team_id`` per open
    status (the (account, status, requested_at) index), counted here."""
    collection = CallbackRequest.get_pymongo_collection()
    counts: dict[str | None, int] = {}
    for one in OPEN:
        async for doc in collection.find(
            {"account_id": account_id, "status": one}, {"team_id": 1, "_id": 0}
        ):
            team = doc.get("team_id")
            counts[team] = counts.get(team, 0) + 1
    return counts


async def purge_notes(account_id: PydanticObjectId, before: dt.datetime) -> int:
    """Clear the notes of attempts made before ``before`` (``last_note`` too when the newest
    attempt is old); the callbacks, times, agents and outcomes stay. Returns how many changed."""
    changed = 0
    collection = CallbackRequest.get_pymongo_collection()
    query = {"account_id": account_id, "attempts.at": {"$lt": before}}
    async for doc in collection.find(query):
        attempts = doc.get("attempts") or []
        if not any(a["at"] < before and a.get("note") for a in attempts):
            continue
        for attempt in attempts:
            if attempt["at"] < before:
                attempt["note"] = ""
        fields: dict[str, Any] = {"attempts": attempts}
        if attempts and attempts[-1]["at"] < before:
            fields["last_note"] = ""
        await collection.update_one({"_id": doc["_id"], "account_id": account_id}, {"$set": fields})
        changed += 1
    return changed


# --------------------------------------------------------------------------- the offer


async def teams_offering_all_accounts() -> list[Team]:
    """Teams of every account with the callback offer enabled (few): the offer's sweep."""
    return await Team.find({"callback.enabled": True}).to_list()


async def keep_waiting_since(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    waiting_since: dt.datetime | None,
) -> None:
    """Put back the conversation's ``waiting_since`` (an automatic message answers nothing)."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id},
        {"$set": {"waiting_since": waiting_since}},
    )


async def insert_offer(offer: CallbackOffer) -> bool:
    """Record the offer; False when the conversation had one already (its unique key)."""
    try:
        await offer.insert()
    except DuplicateKeyError:
        return False
    return True


async def answer_offer(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId | None, at: dt.datetime
) -> CallbackOffer | None:
    """Mark the conversation's offer answered; None when there is none or it was answered."""
    found = await CallbackOffer.get_pymongo_collection().find_one_and_update(
        {"account_id": account_id, "conversation_id": conversation_id, "answered_at": None},
        {"$set": {"answered_at": at}},
    )
    return None if found is None else CallbackOffer.model_validate(found)
