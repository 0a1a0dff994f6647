"""Queues: a team's waiting conversations in order, and the figures ``GET /api/v1/queues`` shows.

A conversation waits in its team's queue (or the queue of conversations without a team)
while it is open, handled by people and unassigned. Order: VIP first, then priority
(urgent, high, normal, low), then longest waiting (``queued_at``: when it began waiting for
a person). The set is small, so it is read whole with the (account, team, assignee, status)
index and sorted here.

``Queue`` is the one shape of a queue's figures: the API, the inbox's queue view and the
wallboard's queue column all show it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId
from pydantic import BaseModel, Field

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.routing import availability
from hub.centre.routing.queue_order import PRIORITY_RANK, QueueOrders
from hub.contract import now
from hub.facts import activity
from hub.models import Account, Conversation, Team, User
from hub.store import queues as queue_store
from hub.store import teams as team_store
from hub.store import users as user_store

NO_TEAM_NAME = "No team"


class QueueAgents(BaseModel):
    """The queue's members by what they can do now (``at_capacity``: available but full)."""

    available: int = 0
    away: int = 0
    offline: int = 0
    at_capacity: int = 0


class QueueToday(BaseModel):
    """Of the conversations opened today (account's time zone): replied to by a person or not."""

    answered: int = 0
    unanswered: int = 0


class Queue(BaseModel):
    """One queue's figures: a team's (by name), or the one without a team (``team_id`` None)."""

    team_id: PydanticObjectId | None
    name: str
    waiting: int
    longest_wait_seconds: int
    average_wait_seconds: int
    conversation_ids: list[PydanticObjectId] = Field(
        description="queue order: VIP, priority, longest wait"
    )
    agents: QueueAgents
    today: QueueToday
    callback_offer_active: bool


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
    docs = await queue_store.waiting_in_queue(account_id, team_id)
    return sorted((c for c in docs if c.handler == "human"), key=order_key)


async def position(conversation: Conversation) -> int | None:
    """1 for the head of its queue; None when it is not waiting (assigned, closed, with a bot)."""
    if conversation.assignee_id or conversation.status != "open":
        return None
    if conversation.handler != "human":
        return None
    queue = await waiting(conversation.account_id, _team_id(conversation.team_id))
    for index, c in enumerate(queue, start=1):
        if c.id == conversation.id:
            return index
    return None


async def positions(account_id: PydanticObjectId, convs: list[Conversation]) -> dict[str, int]:
    """Queue positions of the waiting ones among ``convs`` by id (one queue read per team)."""
    out: dict[str, int] = {}
    teams = {c.team_id for c in convs if c.assignee_id is None and c.status == "open"}
    for team_id in teams:
        for index, c in enumerate(await waiting(account_id, _team_id(team_id)), start=1):
            out[str(c.id)] = index
    return out


async def callback_offer_active(account: Account, team: Team | None) -> bool:
    """Whether the team offers callbacks now (``hub.centre.callbacks.lifecycle.offer_active``)."""
    return team is not None and await callbacks.offer_active(account, team)


async def _today(account: Account) -> dict[str, QueueToday]:
    """Answered / unanswered today per team id ("" for no team): opened today, replied to or not."""
    tz = account.timezone or "UTC"
    local = now().astimezone(activity_zone(tz))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    assert account.id is not None
    events = await activity.events_between(
        account.id, start, now() + dt.timedelta(seconds=1), ["opened", "replied", "first_response"]
    )
    opened = {e.conversation_id: e.team_id or "" for e in events if e.kind == "opened"}
    replied = {e.conversation_id for e in events if e.kind != "opened"}
    out: dict[str, QueueToday] = {}
    for conv, team in opened.items():
        figures = out.setdefault(team, QueueToday())
        if conv in replied:
            figures.answered += 1
        else:
            figures.unanswered += 1
    return out


def activity_zone(tz: str) -> dt.tzinfo:
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        return dt.UTC


def _agents(members: list[User], load: dict[str, int]) -> QueueAgents:
    counts = QueueAgents()
    for user in members:
        shown = availability.shown_presence(user)
        if shown == "available" and not availability.has_room(user, load.get(str(user.id), 0)):
            counts.at_capacity += 1
        else:
            setattr(counts, shown, getattr(counts, shown) + 1)
    return counts


async def _queue(
    account: Account,
    team: Team | None,
    members: list[User],
    load: dict[str, int],
    today: dict[str, QueueToday],
    orders: QueueOrders | None,
) -> Queue:
    assert account.id is not None
    team_id = None if team is None else team.id
    if orders is not None:  # the kept order (``queue_order``): no read of the queue
        kept = await orders.order(account.id, None if team_id is None else str(team_id))
        ids, since = kept.ids, kept.waited_from
    else:
        queue = await waiting(account.id, team_id)
        ids, since = [c.id for c in queue if c.id is not None], [waited_from(c) for c in queue]
    at = now()
    waits = [max(0.0, (at - s).total_seconds()) for s in since]
    return Queue(
        team_id=team_id,
        name=team.name if team else NO_TEAM_NAME,
        waiting=len(ids),
        longest_wait_seconds=int(max(waits, default=0)),
        average_wait_seconds=int(sum(waits) / len(waits)) if waits else 0,
        conversation_ids=ids,
        agents=_agents(members, load),
        today=today.get("" if team_id is None else str(team_id), QueueToday()),
        callback_offer_active=await callback_offer_active(account, team),
    )


async def snapshot(account: Account, orders: QueueOrders | None = None) -> list[Queue]:
    """Every queue of the account: one per team (by name), then the one without a team.

    With ``orders`` (the process's kept queue orders) no queue is read from the database."""
    assert account.id is not None
    teams = await team_store.list_teams(account.id)
    users = await user_store.active_users(account.id)
    load = await availability.loads(account.id, [u.id for u in users if u.id is not None])
    by_id = {str(u.id): u for u in users}
    today = await _today(account)
    rows: list[Queue] = []
    for team in [*teams, None]:
        members = [by_id[m] for m in team.member_ids if m in by_id] if team else users
        rows.append(await _queue(account, team, members, load, today, orders))
    return rows
