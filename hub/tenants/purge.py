"""The deletions retention makes: each function counts (and, unless ``dry_run``, deletes) one kind.

Every query (``hub.store.purge``) names the account and reads a bounded index range.
A dry run reads the same ranges and returns the same counts without changing anything.
Daily counters are never touched: they name no one, and reports of past
months add up from them after the facts behind them are gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict

from beanie import PydanticObjectId

from hub.store import purge as store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

BATCH = 200
#: Facts about people's presence and sign-ins; other facts feed reports and stay.
PERSONAL_ACTIVITY_KINDS = ("presence", "sign_in", "sign_in_failed", "sign_out")
#: The collection the callbacks part keeps requests in (``attempts: [{at, by, outcome, note}]``).
CALLBACKS = "callback_requests"


class ConversationCounts(TypedDict):
    conversations: int
    messages: int
    attachments: int


def _chunks(ids: list[PydanticObjectId]) -> Iterator[list[PydanticObjectId]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


async def conversations(
    hub: Hub, account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> ConversationCounts:
    """Conversations resolved before ``cutoff``, with their messages, files and deliveries."""
    counts = ConversationCounts(conversations=0, messages=0, attachments=0)
    pending = [] if dry_run else await store.journaled(account_id)
    if pending:  # an interrupted run deleted these conversations but not their messages
        await _finish(hub, account_id, await store.gone(account_id, pending), counts)
    ids = await store.resolved_before(account_id, cutoff)
    for chunk in _chunks(ids):
        if dry_run:
            messages, files = await store.messages_of(account_id, chunk)
            counts["conversations"] += len(chunk)
            counts["messages"] += messages
            counts["attachments"] += len(files)
        else:
            await delete_chunk(hub, account_id, chunk, cutoff, counts)
    return counts


async def delete_chunk(
    hub: Hub,
    account_id: PydanticObjectId,
    ids: list[PydanticObjectId],
    cutoff: dt.datetime,
    counts: ConversationCounts,
) -> None:
    """Delete the conversations of ``ids`` still resolved before ``cutoff``, then their
    messages, files and deliveries.

    The conversation goes first, by a conditional delete (``hub.store.purge``): one that a
    customer reopened since ``ids`` were read stays whole (its new message, its place in
    the queue and its SLA clocks with it), and a message arriving after the delete opens
    a new conversation. The ids are journaled first, so a run interrupted between the two
    steps deletes the messages left behind on the next run."""
    await store.journal(account_id, ids)
    await store.delete_resolved(account_id, ids, cutoff)
    await _finish(hub, account_id, await store.gone(account_id, ids), counts)
    await store.unjournal(account_id, ids)


async def _finish(
    hub: Hub,
    account_id: PydanticObjectId,
    deleted: list[PydanticObjectId],
    counts: ConversationCounts,
) -> None:
    """The messages, files and deliveries of deleted conversations."""
    if not deleted:
        return
    messages, files = await store.messages_of(account_id, deleted)
    for file_id in files:
        await hub.media.delete(file_id)
    await store.delete_messages(account_id, deleted)
    await store.unjournal(account_id, deleted)
    counts["conversations"] += len(deleted)
    counts["messages"] += messages
    counts["attachments"] += len(files)


async def activity(account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool) -> int:
    """Presence and sign-in facts before ``cutoff`` (index: account, kind, at)."""
    return await store.activity_before(account_id, PERSONAL_ACTIVITY_KINDS, cutoff, dry_run)


async def books(account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Audit events and usage ledger lines older than the book-keeping period."""
    return await store.books_before(account_id, cutoff, dry_run)


async def callback_notes(
    hub: Hub, account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool
) -> int:
    """Clear the notes of callback attempts made before ``cutoff``; returns how many.

    Written against the callbacks part's ``callback_requests`` shape; where that
    collection does not exist (yet) there is nothing to clear.
    """
    return await store.clear_callback_notes(account_id, cutoff, dry_run)
