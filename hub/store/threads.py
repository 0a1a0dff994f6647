"""Which conversation a message joins: the upserts on a conversation's thread key.

A conversation is named by ``(account_id, channel_id, contact_key, thread_key)`` (a
unique index). Ingest records each inbound message on its conversation with one atomic
upsert (``touch``: an update pipeline holding the open/reopen rules); the API's first
message to a contact continues the running conversation or opens one
(``open_for_business``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contract import now
from hub.models import Contact, Conversation
from hub.models.conversation import CURRENT_THREAD
from hub.store import paging

#: What the conversation upsert reads back: its id, and whether it waits in a queue again.
TOUCHED = {"_id": 1, "assignee_id": 1, "queued_at": 1, "open_token": 1, "team_id": 1}


@dataclass(frozen=True)
class ThreadKey:
    """The unique name of a conversation."""

    account_id: PydanticObjectId
    channel_id: PydanticObjectId
    contact_key: str
    thread_key: str = CURRENT_THREAD

    def _query(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "channel_id": self.channel_id,
            "contact_key": self.contact_key,
            "thread_key": self.thread_key,
        }


@dataclass(frozen=True)
class Arrival:
    """An inbound message as its conversation records it."""

    at: dt.datetime
    channel_type: str
    preview: str
    subject: str | None
    #: The number or address the customer wrote to (replies leave from it), if known.
    business_address: str | None
    #: The sender's name, when the message carries one.
    contact_name: str | None
    #: Who handles the conversation if this message opens it (``hub.pipeline.rules.Route``).
    handler: str
    bot_id: str | None
    team_id: str | None


class Touched(NamedTuple):
    """What ``touch`` did to the conversation."""

    id: PydanticObjectId
    #: This call created it.
    created: bool
    #: This call opened or reopened it (its facts start now).
    opened: bool
    #: This call opened it for its customer the first time: created it, or it was opened
    #: by the business (``open_token`` "business") and this is the customer's first message.
    first: bool
    #: Its team, as the upsert left it.
    team_id: str | None
    #: Reopened without an assignee: it waits in its queue again.
    requeued: bool


def _touch_pipeline(
    arrival: Arrival, new_id: PydanticObjectId, token: str, first_token: str
) -> list[dict[str, Any]]:
    """The update pipeline that records an inbound message on its conversation.

    New: opened with the arrival's route. Resolved or snoozed: reopened. Either way the
    unread count, waiting time and last-message fields move. An opening (new or
    reopened) stores ``token`` in ``open_token``, so the caller can tell it opened it,
    and starts the opening's facts (``opened_at``; no first response yet). The
    customer's first message in a conversation the business opened stores
    ``first_token``: it is the conversation's first opening by its customer.
    """
    at = arrival.at

    def _keep(name: str, default: Any) -> dict[str, Any]:
        return {"$ifNull": [f"${name}", default]}

    reopen = {"$in": [_keep("status", "open"), ["resolved", "snoozed"]]}
    stage: dict[str, Any] = {
        "_id": _keep("_id", new_id),
        "created_at": _keep("created_at", at),
        "channel_type": arrival.channel_type,
        "handler": _keep("handler", arrival.handler),
        "bot_id": _keep("bot_id", arrival.bot_id),
        "team_id": _keep("team_id", arrival.team_id),
        "assignee_id": _keep("assignee_id", None),
        "labels": _keep("labels", []),
        "priority": _keep("priority", "normal"),
        "subject": _keep("subject", arrival.subject),
        "status": {"$cond": [reopen, "open", _keep("status", "open")]},
        "resolved_at": {"$cond": [reopen, None, _keep("resolved_at", None)]},
        # The queue (hub.centre.routing.queues): waiting for a person since; in this team since.
        "queued_at": {"$cond": [reopen, at, _keep("queued_at", at)]},
        "team_since": {"$cond": [reopen, at, _keep("team_since", at)]},
        "snoozed_until": {"$cond": [reopen, None, _keep("snoozed_until", None)]},
        "open_token": {
            "$cond": [
                {"$eq": [_keep("open_token", token), "business"]},
                first_token,
                {"$cond": [reopen, token, _keep("open_token", token)]},
            ]
        },
        "opened_at": {"$cond": [reopen, at, _keep("opened_at", at)]},
        "first_response_at": {"$cond": [reopen, None, _keep("first_response_at", None)]},
        "first_response_seconds": {"$cond": [reopen, None, _keep("first_response_seconds", None)]},
        "resolution_seconds": {"$cond": [reopen, None, _keep("resolution_seconds", None)]},
        "messages_in": {"$add": [_keep("messages_in", 0), 1]},
        "unread": {"$add": [_keep("unread", 0), 1]},
        "waiting_since": _keep("waiting_since", at),
        "last_message_at": {"$max": [_keep("last_message_at", at), at]},
        "last_inbound_at": {"$max": [_keep("last_inbound_at", at), at]},
        "last_message_preview": arrival.preview,
        "updated_at": now(),
    }
    if arrival.business_address:
        stage["business_address"] = arrival.business_address  # replies leave from it
    if arrival.contact_name:
        stage["contact_name"] = arrival.contact_name
    else:
        stage["contact_name"] = _keep("contact_name", None)
    return [{"$set": stage}]


#: Arrivals waiting for the touch of their conversation in flight (``touch``), by key.
_waiting: dict[ThreadKey, list[tuple[Arrival, asyncio.Future[Touched]]]] = {}
#: Conversations with a touch in flight in this process, and the tasks that merge.
_running: set[ThreadKey] = set()
_mergers: set[asyncio.Task[None]] = set()


async def touch(key: ThreadKey, arrival: Arrival) -> Touched:
    """Record an inbound message on its conversation, creating or reopening it (an upsert).

    One ``find_one_and_update`` with an update pipeline, returning the document after
    it (only ``TOUCHED``): creation is told by the id this call proposed, an opening by
    the token it stored. A concurrent first message that wins the insert makes this
    call retry as an update; an upsert that answers without the document is read back
    through the same unique key.

    Concurrent messages to one conversation do not queue on its document: while one
    touch of it is in flight, the next ones wait, and then go as one command whose
    pipeline is their pipelines in order (each stage sees the one before, so the
    document ends as if they had run one by one); each caller reads its own answer from
    the document after them (``_touched``).
    """
    if key in _running:
        joined: asyncio.Future[Touched] = asyncio.get_running_loop().create_future()
        _waiting.setdefault(key, []).append((arrival, joined))
        return await joined
    _running.add(key)
    try:
        (touched,) = await _touch_many(key, [arrival])
    finally:
        _next(key)
    return touched


def _next(key: ThreadKey) -> None:
    """Merge what waited for ``key`` in a task, or free the key."""
    if not _waiting.get(key):
        _running.discard(key)
        _waiting.pop(key, None)
        return
    task = asyncio.get_running_loop().create_task(_merge(key), name="parley-touch-merge")
    _mergers.add(task)
    task.add_done_callback(_mergers.discard)


async def _merge(key: ThreadKey) -> None:
    batch = _waiting.pop(key, [])
    try:
        found = await _touch_many(key, [arrival for arrival, _ in batch])
    except BaseException as exc:  # every waiting caller gets the error, none hangs
        for _, joined in batch:
            if not joined.done():
                joined.set_exception(exc if isinstance(exc, Exception) else RuntimeError(exc))
        raise
    finally:
        _next(key)
    for (_, joined), touched in zip(batch, found, strict=True):
        if not joined.done():
            joined.set_result(touched)


async def _touch_many(key: ThreadKey, arrivals: list[Arrival]) -> list[Touched]:
    query = key._query()
    collection = Conversation.get_pymongo_collection()
    for _ in range(3):
        proposed = [
            (PydanticObjectId(), token, f"{token}:first")
            for token in (str(PydanticObjectId()) for _ in arrivals)
        ]
        pipeline = [
            stage
            for arrival, (new_id, token, first_token) in zip(arrivals, proposed, strict=True)
            for stage in _touch_pipeline(arrival, new_id, token, first_token)
        ]
        try:
            doc = await collection.find_one_and_update(
                query,
                pipeline,
                upsert=True,
                return_document=ReturnDocument.AFTER,
                projection=TOUCHED,
            )
        except DuplicateKeyError:
            continue  # a concurrent first message created it: update that one
        if doc is None:  # applied, but not returned (a racing upsert): read it back
            doc = await collection.find_one(query, TOUCHED)
        if doc is not None:
            return [
                _touched(doc, arrival, new_id, token, first_token)
                for arrival, (new_id, token, first_token) in zip(arrivals, proposed, strict=True)
            ]
    raise RuntimeError("conversation upsert did not settle")


def _touched(
    doc: dict[str, Any], arrival: Arrival, new_id: PydanticObjectId, token: str, first_token: str
) -> Touched:
    created = doc["_id"] == new_id
    opened = doc.get("open_token") in (token, first_token)
    first = created or doc.get("open_token") == first_token
    # Reopened now (queued_at moved to this message) and nobody holds it: it waits.
    queued = doc.get("queued_at")
    again = queued is not None and abs(queued - arrival.at) < dt.timedelta(milliseconds=1)
    requeued = not created and doc.get("assignee_id") is None and again
    return Touched(doc["_id"], created, opened, first, doc.get("team_id"), requeued)


async def undo_touch(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    """Take back the unread count a duplicate delivery added."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id}, {"$inc": {"unread": -1}}
    )


async def attach_contact(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    contact_id: PydanticObjectId,
    *,
    contact_name: str | None = None,
    vip: bool = False,
) -> None:
    """Link a new conversation's contact; ``contact_name`` and ``vip`` are set when given."""
    update: dict[str, Any] = {"contact_id": contact_id}
    if contact_name:
        update["contact_name"] = contact_name
    if vip:
        update["vip"] = True
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id}, {"$set": update}
    )


async def thread_of(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> tuple[str, str] | None:
    """The account's conversation's ``(thread_key, contact_key)``, if it exists."""
    conv = await paging.by_id(
        Conversation.get_pymongo_collection(),
        account_id,
        conversation_id,
        {"thread_key": 1, "contact_key": 1},
    )
    return None if conv is None else (str(conv["thread_key"]), str(conv["contact_key"]))


async def running(key: ThreadKey) -> Conversation | None:
    """The conversation with this key, if one exists (never creates one)."""
    return await Conversation.find_one(key._query())


async def open_for_business(
    key: ThreadKey,
    new_id: PydanticObjectId,
    contact: Contact,
    *,
    channel_type: str,
    team_id: str | None,
    vip: bool,
    at: dt.datetime,
) -> tuple[Conversation, bool]:
    """The conversation with ``key``, opened as ``new_id`` for a business-side first message
    if there is none (handled by people, ``open_token`` "business": the customer's first
    answer is not a reopening). Returns (conversation, created)."""
    on_insert: dict[str, Any] = {
        "_id": new_id,
        "created_at": at,
        "channel_type": channel_type,
        "contact_id": contact.id,
        "contact_name": contact.name,
        "status": "open",
        "handler": "human",
        "team_id": team_id,
        "labels": [],
        "priority": "normal",
        "vip": vip,
        "unread": 0,
        "last_message_at": at,
        "last_message_preview": "",
        "updated_at": at,
        "open_token": "business",
    }
    query = key._query()
    collection = Conversation.get_pymongo_collection()
    for _ in range(3):
        try:
            await collection.update_one(query, {"$setOnInsert": on_insert}, upsert=True)
        except DuplicateKeyError:
            continue  # a concurrent first message created it
        doc = await collection.find_one(query)
        if doc is not None:
            return Conversation.model_validate(doc), doc["_id"] == new_id
    raise RuntimeError("conversation upsert did not settle")
