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
    ids = await store.resolved_before(account_id, cutoff)
    counts = ConversationCounts(conversations=0, messages=0, attachments=0)
    for chunk in _chunks(ids):
        messages, files = await store.messages_of(account_id, chunk)
        if not dry_run:
            # Files and messages first, the conversation last: an interrupted purge is
            # finished by the next run, which finds the conversation again.
            for file_id in files:
                await hub.media.delete(file_id)
            await store.delete_conversations(account_id, chunk, cutoff)
        counts["conversations"] += len(chunk)
        counts["messages"] += messages
        counts["attachments"] += len(files)
    return counts


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
