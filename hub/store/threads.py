"""Which conversation a message joins: the upserts on a conversation's thread key.

A conversation is named by ``(account_id, channel_id, contact_key, thread_key)`` (a
unique index). Ingest records each inbound message on its conversation (``touch``: an
update pipeline holding the open/reopen rules, written by ``hub.store.touches``); the
API's first message to a contact continues the running conversation or opens one
(``open_for_business``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import Contact, Conversation
from hub.store import paging
from hub.store.touches import BEFORE, TOUCHED, Arrival, Before, ThreadKey, Touched, write

__all__ = [
    "BEFORE",
    "TOUCHED",
    "Arrival",
    "Before",
    "ThreadKey",
    "Touched",
    "attach_contact",
    "current",
    "open_for_business",
    "running",
    "thread_of",
    "touch",
    "undo_touch",
]


#: Arrivals waiting for the touch of their conversation in flight (``touch``), by key.
_waiting: dict[ThreadKey, list[tuple[Arrival, asyncio.Future[Touched]]]] = {}
#: Conversations with a touch in flight in this process, and the tasks that merge.
_running: set[ThreadKey] = set()
_mergers: set[asyncio.Task[None]] = set()


async def current(key: ThreadKey) -> Before:
    """The conversation with this key as it is now (``BEFORE``'s fields), by its unique key."""
    doc = await Conversation.get_pymongo_collection().find_one(key._query(), BEFORE)
    return Before(key, doc)


async def touch(key: ThreadKey, arrival: Arrival, before: Before | None = None) -> Touched:
    """Record an inbound message on its conversation, creating or reopening it (an upsert).

    A new conversation: one ``find_one_and_update`` upsert with an update pipeline,
    returning the document after it (only ``TOUCHED``): creation is told by the id this
    call proposed, an opening by the token it stored. A concurrent first message that
    wins the insert makes this call retry as an update.

    A conversation that exists (the steady state) is not written with
    ``find_one_and_update``: on SecantusDB that command re-finds its match with a filter
    no index serves (a scan of the collection, ~7 ms at 500 conversations and growing).
    Instead the conversation is read (``current``, or ``before`` when the caller read it
    already) and written with ``update_one`` by ``_id``, a pipeline that the server
    refuses unless the fields the answer depends on are still as read; the answer is computed
    from what was read (``hub.store.touches``). Changed meanwhile: read again.

    Concurrent messages to one conversation do not queue on its document: while one
    touch of it is in flight, the next ones wait, and then go as one command whose
    pipeline is their pipelines in order (each stage sees the one before, so the
    document ends as if they had run one by one); each caller gets its own answer.
    """
    if key in _running:
        joined: asyncio.Future[Touched] = asyncio.get_running_loop().create_future()
        _waiting.setdefault(key, []).append((arrival, joined))
        return await joined
    _running.add(key)
    try:
        (touched,) = await write(key, [arrival], before)
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
        found = await write(key, [arrival for arrival, _ in batch])
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
