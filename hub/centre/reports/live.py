"""The live figures: one definition of each, read by every surface that shows it.

The wallboard (page and stream), ``/inbox/queues``, ``GET /api/v1/queues``, the SLA
report and the inbox's reports read these functions; none counts a figure itself.

- **waiting**: open, handled by people, not assigned, and the customer wrote last
  (``hub.store.queues.waiting_filter``: ``waiting_since`` set by ingest, cleared by a
  reply that answers, kept by automatic messages). A business-initiated conversation
  nobody has answered is not waiting. In queue order (``hub.centre.routing.queues``).
- **longest / average wait**: from ``waiting_since`` (the oldest unanswered customer
  message) to now, over the waiting conversations.
- **answered / unanswered today**: of the openings today (new or reopened, the account's
  time zone), those that got a first public reply by a person, and the rest
  (``hub.centre.reports.definitions``: the same as the report's point for today); from the
  day's counters (``hub.facts.activity``), per team, the no-team row being the account's
  minus the teams'.
- **agents**: the queue's members (``member_ids``; every seat for the queue without a
  team) by shown presence; ``at_capacity`` are available but full (not counted available).
- **callbacks waiting**: callbacks of the team still to be made (waiting or re-queued).
- **SLA at risk / breached** (PRO; None on other plans): open conversations with a running
  clock that has used its risk share (``hub.centre.sla.state.at_risk``) / is past due
  (``overdue``), read once per account from the (account, sla_risk_at) index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, Field

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.reports import definitions
from hub.centre.routing import availability
from hub.centre.routing.queue_order import QueueOrders, key_of
from hub.centre.routing.queues import waiting
from hub.centre.sla import state as sla_state
from hub.centre.sla.matching import has_sla
from hub.contract import now
from hub.facts import activity
from hub.facts.handling import account_tz
from hub.models import Account, Conversation, Team, User
from hub.models.user import SEAT_ROLES
from hub.store import callbacks as callback_store
from hub.store import conversations as conversation_store
from hub.store import queues as queue_store
from hub.store import sla as sla_store
from hub.store import teams as team_store
from hub.store import users as user_store
from hub.store.queues import WaitingStats

#: What ``snapshot`` reads of each queue besides its figures: nothing (the wallboard),
#: the conversations' ids in queue order (the API), or the conversations (the queue page).
Detail = Literal["figures", "ids", "conversations"]
#: How many of a queue's head ``snapshot(…, "conversations")`` reads (the queue page's rows).
HEAD = 50

NO_TEAM_NAME = "No team"

__all__ = [
    "NO_TEAM_NAME",
    "Detail",
    "Queue",
    "QueueAgents",
    "QueueToday",
    "SlaOpen",
    "TeamFigures",
    "agents",
    "callbacks_waiting",
    "sla_at_risk_total",
    "sla_open",
    "snapshot",
    "today",
    "wait_figures",
    "wait_seconds",
    "waited_since",
    "waiting",
]


class QueueAgents(BaseModel):
    """The queue's members by what they can do now (``at_capacity``: available but full)."""

    available: int = 0
    away: int = 0
    offline: int = 0
    at_capacity: int = 0


class QueueToday(BaseModel):
    """Of the openings today (account's time zone): replied to by a person or not."""

    answered: int = 0
    unanswered: int = 0


class Queue(BaseModel):
    """One queue's figures as ``GET /api/v1/queues`` shows them: a team's, or the one
    without a team (``team_id`` None)."""

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


class SlaOpen(BaseModel):
    """Open conversations whose SLA is at risk (breached included) and breached."""

    at_risk: int = 0
    breached: int = 0


class TeamFigures(Queue):
    """Every live figure of one queue: the API's, plus what the wallboard and the queue
    page show beside them. ``queue`` is the waiting conversations themselves, in order."""

    oldest_waiting_since: dt.datetime | None
    callbacks_waiting: int
    sla_at_risk: int | None
    sla_breached: int | None
    queue: list[Conversation] = Field(default=[], exclude=True)

    def api(self) -> Queue:
        """The API's shape of these figures."""
        return Queue.model_validate(self.model_dump(include=set(Queue.model_fields)))


def _key(team_id: PydanticObjectId | str | None) -> str | None:
    return None if team_id is None else str(team_id)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def waited_since(c: Conversation) -> dt.datetime:
    """When a waiting conversation's customer began to wait: the oldest unanswered message."""
    return _aware(c.waiting_since or c.created_at)


def wait_seconds(queue: list[Conversation], at: dt.datetime) -> list[float]:
    """How long each waiting conversation's customer has waited at ``at``."""
    return [max(0.0, (at - waited_since(c)).total_seconds()) for c in queue]


def wait_figures(stats: WaitingStats, at: dt.datetime) -> tuple[int, int] | None:
    """Longest and average wait in whole seconds at ``at`` (``wait_seconds``'s, truncated),
    from the queue's sums alone; None when a wait would begin after ``at`` (a clock set
    back), where each wait counts as 0 and only the waits one by one give the figures."""
    if not stats.waiting or stats.oldest is None or stats.newest is None:
        return (0, 0)
    if stats.newest > at:
        return None
    at_us = (at - queue_store.EPOCH) // dt.timedelta(microseconds=1)
    total_us = stats.waiting * at_us - stats.total_ms * 1000
    longest = int((at - stats.oldest).total_seconds())
    return (longest, total_us // (stats.waiting * 1_000_000))


def _from_waits(waits: list[float]) -> tuple[int, int]:
    return (int(max(waits, default=0)), int(sum(waits) / len(waits)) if waits else 0)


@dataclass
class _Read:
    """One queue as ``snapshot`` read it (``detail``): its sums, and its rows if read."""

    stats: WaitingStats
    ids: list[PydanticObjectId] = field(default_factory=list)
    queue: list[Conversation] = field(default_factory=list)
    since: list[dt.datetime] | None = None


async def _read(
    account_id: PydanticObjectId,
    team_id: PydanticObjectId | None,
    detail: Detail,
    orders: QueueOrders | None,
) -> _Read:
    """One queue: from the process's kept order when given (no command once it is kept;
    its first use reads the queue's rows once), else its sums alone (one aggregate) or
    its rows (one projected read); for ``"conversations"`` its head's conversations too
    (one read by id)."""
    if orders is not None:
        order = await orders.order(account_id, None if team_id is None else str(team_id))
        ids = order.ids if detail != "figures" else []
        read = _Read(stats=order.stats(), ids=ids, since=order.since)
    elif detail == "figures":
        return _Read(stats=await queue_store.waiting_stats(account_id, team_id))
    else:
        rows = await queue_store.queue_rows(account_id, team_id)
        people = sorted((r for r in rows if r.handler == "human" and r.since), key=key_of)
        since = [r.since for r in people if r.since is not None]
        read = _Read(stats=WaitingStats.of(since), ids=[r.id for r in people], since=since)
    if detail == "conversations" and read.ids:
        head = read.ids[:HEAD]
        found = {c.id: c for c in await conversation_store.conversations_by_ids(account_id, head)}
        read.queue = [c for c in map(found.get, head) if c is not None and _still_waits(c)]
    return read


def _still_waits(c: Conversation) -> bool:
    """Still waiting when read by id (``waiting_filter``'s terms): not taken meanwhile."""
    return (
        c.status == "open"
        and c.assignee_id is None
        and c.handler == "human"
        and c.waiting_since is not None
    )


async def _waits(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None, read: _Read, at: dt.datetime
) -> tuple[int, int]:
    """Longest and average wait: from the sums, or (a clock set back) one by one."""
    figures = wait_figures(read.stats, at)
    if figures is not None:
        return figures
    since = read.since
    if since is None:
        since = await queue_store.waiting_since_in_queue(account_id, team_id)
    return _from_waits([max(0.0, (at - _aware(s)).total_seconds()) for s in since])


async def today(account: Account) -> dict[str | None, QueueToday]:
    """Answered / unanswered today per team id (None: the queue without a team)."""
    assert account.id is not None
    day = activity.local_day(now(), await account_tz(account.id))
    per_team: dict[str | None, dict[str, float]] = {}
    for counter in await activity.counters_between(account.id, "team", day, day):
        per_team[counter.scope_id] = dict(counter.counts)
    whole: dict[str, float] = {}
    for counter in await activity.counters_between(account.id, "account", day, day):
        whole = dict(counter.counts)
    per_team[None] = {
        k: v - sum(c.get(k, 0) for c in per_team.values())
        for k, v in whole.items()
        if isinstance(v, int | float)
    }
    out: dict[str | None, QueueToday] = {}
    for team, counts in per_team.items():
        openings = int(sum(counts.get(kind, 0) for kind in definitions.OPENINGS))
        answered = int(counts.get("answered", 0))
        out[team] = QueueToday(
            answered=answered, unanswered=definitions.unanswered(openings, answered)
        )
    return out


def agents(members: list[User], load: dict[str, int]) -> QueueAgents:
    """The members by shown presence; available ones who are full count as at capacity."""
    counts = QueueAgents()
    for user in members:
        shown = availability.shown_presence(user)
        if shown == "available" and not availability.has_room(user, load.get(str(user.id), 0)):
            counts.at_capacity += 1
        else:
            setattr(counts, shown, getattr(counts, shown) + 1)
    return counts


async def callbacks_waiting(account_id: PydanticObjectId) -> dict[str | None, int]:
    """Callbacks still to be made (waiting or re-queued) per team id (None: no team)."""
    return await callback_store.open_counts_by_team(account_id)


async def sla_open(account: Account) -> dict[str | None, SlaOpen] | None:
    """Open conversations at risk and breached per team id; None on a plan without SLA."""
    if account.id is None or not has_sla(account.plan):
        return None
    at = now()
    out: dict[str | None, SlaOpen] = {}
    for risky in await sla_store.at_risk_clocks(account.id, at):
        if not sla_state.at_risk(risky.clocks, at):
            continue
        figures = out.setdefault(risky.team_id, SlaOpen())
        figures.at_risk += 1
        figures.breached += bool(sla_state.overdue(risky.clocks, at))
    return out


async def sla_at_risk_total(account: Account) -> int:
    """The account's open conversations whose SLA is at risk (0 on a plan without SLA)."""
    return sum(figures.at_risk for figures in (await sla_open(account) or {}).values())


async def _offer_active(account: Account, team: Team | None) -> bool:
    return team is not None and await callbacks.offer_active(account, team)


async def snapshot(
    account: Account, detail: Detail = "ids", orders: QueueOrders | None = None
) -> list[TeamFigures]:
    """Every queue's figures: one per team (by name), then the one without a team.

    Each queue costs one command whatever its length: an aggregate of its sums
    (``detail="figures"``, the wallboard), or one projected read of its rows (``"ids"``,
    the API's ``conversation_ids``); ``"conversations"`` reads the first ``HEAD`` waiting
    conversations as well (the queue page lists them). With the process's kept queue
    orders (``orders``: the app's ``QueueOrders``, current by the change stream), the
    figures and ids cost no command once a queue is kept. The figures are the same in each."""
    assert account.id is not None
    teams = await team_store.list_teams(account.id)
    users = await user_store.seat_users(account.id, SEAT_ROLES)
    load = await availability.loads(account.id, [u.id for u in users if u.id is not None])
    by_id = {str(u.id): u for u in users}
    days = await today(account)
    calls = await callbacks_waiting(account.id)
    sla = await sla_open(account)
    at = now()
    rows: list[TeamFigures] = []
    for team in [*teams, None]:
        team_id = None if team is None else team.id
        members = [by_id[m] for m in team.member_ids if m in by_id] if team else users
        read = await _read(account.id, team_id, detail, orders)
        longest, average = await _waits(account.id, team_id, read, at)
        risk = None if sla is None else sla.get(_key(team_id), SlaOpen())
        rows.append(
            TeamFigures(
                team_id=team_id,
                name=team.name if team else NO_TEAM_NAME,
                waiting=read.stats.waiting,
                longest_wait_seconds=longest,
                average_wait_seconds=average,
                conversation_ids=read.ids,
                agents=agents(members, load),
                today=days.get(_key(team_id), QueueToday()),
                callback_offer_active=await _offer_active(account, team),
                oldest_waiting_since=read.stats.oldest,
                callbacks_waiting=calls.get(_key(team_id), 0),
                sla_at_risk=None if risk is None else risk.at_risk,
                sla_breached=None if risk is None else risk.breached,
                queue=read.queue,
            )
        )
    return rows
