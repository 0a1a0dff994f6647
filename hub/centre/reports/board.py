"""The queue board: per team, who can answer and who is waiting, counted from the database now.

``board(account)`` is what the wallboard renders (and what ``/api/v1/queues`` can
share). Per team (and one row for conversations without a team):

- agents available / away / offline (the users' ``presence``), and at capacity
  (available, with a ``capacity``, holding that many open assigned conversations);
- waiting: open, human-handled, unassigned conversations of the team whose customer
  awaits an answer (``waiting_since`` set) — a small set, read with the
  ``(account_id, team_id, assignee_id, status)`` index; longest wait from the oldest;
- answered / unanswered today: of the conversations opened today (account's time
  zone), those that got a public reply by a person, and the rest, from the day's
  counters (``hub.facts.activity``);
- callbacks waiting and SLA at risk: hooks that answer None until the callback list
  and SLA parts exist (the board shows "—", not a made-up 0).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.centre.routing.queues import NO_TEAM_NAME, QueueAgents
from hub.contract import now
from hub.facts import activity
from hub.facts.handling import account_tz
from hub.models import Account, User
from hub.store import queues as queue_store
from hub.store import teams as team_store
from hub.store import users as user_store

Level = Literal["ok", "amber", "red"]
DEFAULT_THRESHOLDS = {
    "wait_amber_minutes": 2,
    "wait_red_minutes": 5,
    "waiting_amber": 5,
    "waiting_red": 10,
}
SEAT_ROLES = ("agent", "supervisor", "admin")


#: The same shape as a queue's agents (``hub.centre.routing.queues``); on the board,
#: ``at_capacity`` counts available agents who are full, who also count as available.
AgentCounts = QueueAgents


class TeamBoard(BaseModel):
    """One team's row on the wallboard (and the no-team row: ``team_id`` None)."""

    team_id: PydanticObjectId | None
    name: str
    agents: AgentCounts
    waiting: int
    longest_wait_seconds: int
    oldest_waiting_since: dt.datetime | None
    answered_today: int
    unanswered_today: int
    callbacks_waiting: int | None
    sla_at_risk: int | None
    wait_level: Level
    waiting_level: Level


def thresholds(account: Account) -> dict[str, int]:
    """The account's wallboard thresholds over the defaults."""
    return {**DEFAULT_THRESHOLDS, **(account.wallboard_thresholds or {})}


def level(value: float, amber: float, red: float) -> Level:
    return "red" if value >= red else "amber" if value >= amber else "ok"


# ------------------------------------------------------------------ hooks for other parts


async def callbacks_waiting(account: Account, team_id: PydanticObjectId | None) -> int | None:
    """Callbacks waiting for the team. None: the callback list is not wired in yet."""
    return None


async def sla_at_risk(account: Account, team_id: PydanticObjectId | None) -> int | None:
    """Open conversations of the team whose SLA is at risk (PRO). None: not available."""
    return None


# ------------------------------------------------------------------ the board


async def board(account: Account) -> list[TeamBoard]:
    """Every team's row, by name, then the no-team row when it has anything to show."""
    assert account.id is not None
    users = await user_store.seat_users(account.id, SEAT_ROLES)
    busy = await _at_capacity(account.id, users)
    teams = sorted(await team_store.all_teams(account.id), key=lambda t: t.name)
    today = await _today(account)
    rows = []
    for team_id, name in [*((t.id, t.name) for t in teams), (None, NO_TEAM_NAME)]:
        ref = None if team_id is None else str(team_id)
        members = [u for u in users if (ref in u.team_ids if ref else not u.team_ids)]
        row = await _row(account, team_id, name, members, busy, today)
        if team_id is not None or row.waiting or row.answered_today or row.unanswered_today:
            rows.append(row)
    return rows


async def _row(
    account: Account,
    team_id: PydanticObjectId | None,
    name: str,
    members: list[User],
    busy: set[PydanticObjectId],
    today: dict[str | None, dict[str, float]],
) -> TeamBoard:
    assert account.id is not None
    agents = AgentCounts()
    for user in members:
        setattr(agents, user.presence, getattr(agents, user.presence) + 1)
        agents.at_capacity += user.id in busy
    since = await waiting_since(account.id, team_id)
    oldest = min(since) if since else None
    longest = int((now() - oldest).total_seconds()) if oldest else 0
    counts = today.get(None if team_id is None else str(team_id), {})
    opened = counts.get("opened", 0) + counts.get("reopened", 0)
    answered = int(counts.get("answered", 0))
    limits = thresholds(account)
    return TeamBoard(
        team_id=team_id,
        name=name,
        agents=agents,
        waiting=len(since),
        longest_wait_seconds=max(0, longest),
        oldest_waiting_since=oldest,
        answered_today=answered,
        unanswered_today=max(0, int(opened) - answered),
        callbacks_waiting=await callbacks_waiting(account, team_id),
        sla_at_risk=await sla_at_risk(account, team_id) if account.plan == "PRO" else None,
        wait_level=level(longest / 60, limits["wait_amber_minutes"], limits["wait_red_minutes"]),
        waiting_level=level(len(since), limits["waiting_amber"], limits["waiting_red"]),
    )


async def waiting_since(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> list[dt.datetime]:
    """When each waiting conversation of the team started waiting."""
    return await queue_store.waiting_since_in_queue(account_id, team_id)


async def _at_capacity(account_id: PydanticObjectId, users: list[User]) -> set[PydanticObjectId]:
    """Available users with a capacity who hold that many open conversations."""
    full: set[PydanticObjectId] = set()
    for user in users:
        if user.capacity is None or user.presence != "available" or user.id is None:
            continue
        if await user_store.open_count(account_id, user.id) >= user.capacity:
            full.add(user.id)
    return full


async def _today(account: Account) -> dict[str | None, dict[str, float]]:
    """Today's counts per team id; the no-team row (None) is the account's minus the teams'."""
    assert account.id is not None
    day = activity.local_day(now(), await account_tz(account.id))
    per_team: dict[str | None, dict[str, float]] = {}
    for counter in await activity.counters_between(account.id, "team", day, day):
        per_team[counter.scope_id] = dict(counter.counts)
    whole: dict[str, float] = {}
    for counter in await activity.counters_between(account.id, "account", day, day):
        whole = dict(counter.counts)
    rest = {
        k: v - sum(c.get(k, 0) for c in per_team.values())
        for k, v in whole.items()
        if isinstance(v, int | float)
    }
    per_team[None] = rest
    return per_team
