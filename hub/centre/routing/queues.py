"""Queues: a team's waiting conversations in queue order (routing reads them to assign).

A conversation waits in its team's queue (or the queue of conversations without a team)
while it is open, handled by people, unassigned and the customer wrote last
(``hub.store.queues.waiting_filter``). Order: VIP first, then priority (urgent, high,
normal, low), then longest waiting (``queued_at``: when it began waiting for a person).
The set is small, so it is read whole with its index and sorted here. The queues'
figures are defined once, in ``hub.centre.reports.live``.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import Conversation
from hub.store import queues as queue_store

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def waited_from(c: Conversation) -> dt.datetime:
    """When the conversation began waiting in the queue."""
    return c.queued_at or c.waiting_since or c.created_at


def order_key(c: Conversation) -> tuple[int, int, dt.datetime, str]:
    return (0 if c.vip else 1, PRIORITY_RANK.get(c.priority, 2), waited_from(c), str(c.id))


def _team_id(value: str | None) -> PydanticObjectId | None:
    """A conversation's stored team reference as an id."""
    return None if value is None else PydanticObjectId(value)


async def waiting(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> list[Conversation]:
    """The team's queue (``team_id`` None: conversations without a team), head first."""
    return sorted(await queue_store.waiting_in_queue(account_id, team_id), key=order_key)


async def position(conversation: Conversation) -> int | None:
    """1 for the head of its queue; None when it is not waiting (assigned, closed, with a bot)."""
    if conversation.assignee_id or conversation.status != "open":
        return None
    if conversation.handler != "human" or conversation.waiting_since is None:
        return None
    queue = await waiting(conversation.account_id, _team_id(conversation.team_id))
    for index, c in enumerate(queue, start=1):
        if c.id == conversation.id:
            return index
    return None


async def positions(account_id: PydanticObjectId, convs: list[Conversation]) -> dict[str, int]:
    """Queue positions of the waiting ones among ``convs`` by id (one queue read per team)."""
    out: dict[str, int] = {}
    teams = {
        c.team_id
        for c in convs
        if c.assignee_id is None and c.status == "open" and c.waiting_since is not None
    }
    for team_id in teams:
        for index, c in enumerate(await waiting(account_id, _team_id(team_id)), start=1):
            out[str(c.id)] = index
    return out
