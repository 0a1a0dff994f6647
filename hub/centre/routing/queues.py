"""Queues: a team's waiting conversations in order, and the figures ``GET /api/v1/queues`` shows.

A conversation waits in its team's queue (or the queue of conversations without a team)
while it is open, handled by people and unassigned. Order: VIP first, then priority
(urgent, high, normal, low), then longest waiting (``queued_at``: when it began waiting for
a person). The set is small, so it is read whole with the (account, team, assignee, status)
index and sorted here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId

from hub.centre.routing import availability
from hub.contract import now
from hub.facts import activity
from hub.models import Account, Conversation, Team, User

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
NO_TEAM_NAME = "No team"


def waited_from(c: Conversation) -> dt.datetime:
    """When the conversation began waiting in the queue."""
    return c.queued_at or c.waiting_since or c.created_at


def order_key(c: Conversation) -> tuple[int, int, dt.datetime, str]:
    return (0 if c.vip else 1, PRIORITY_RANK.get(c.priority, 2), waited_from(c), str(c.id))


def waiting_filter(account_id: PydanticObjectId, team_id: str | None) -> dict[str, Any]:
    """Exactly the fields of the queue index: with ``handler`` as well, SecantusDB's planner
    scanned the whole collection (seen in ``explain``); bot conversations are dropped after."""
    return {"account_id": account_id, "team_id": team_id, "assignee_id": None, "status": "open"}


async def waiting(account_id: PydanticObjectId, team_id: str | None) -> list[Conversation]:
    """The team's queue (``team_id`` None: conversations without a team), head first."""
    docs = await Conversation.find(waiting_filter(account_id, team_id)).to_list()
    return sorted((c for c in docs if c.handler == "human"), key=order_key)


async def position(conversation: Conversation) -> int | None:
    """1 for the head of its queue; None when it is not waiting (assigned, closed, with a bot)."""
    if conversation.assignee_id or conversation.status != "open":
        return None
    if conversation.handler != "human":
        return None
    queue = await waiting(conversation.account_id, conversation.team_id)
    for index, c in enumerate(queue, start=1):
        if c.id == conversation.id:
            return index
    return None


async def positions(account_id: PydanticObjectId, convs: list[Conversation]) -> dict[str, int]:
    """Queue positions of the waiting ones among ``convs`` (one queue read per team)."""
    out: dict[str, int] = {}
    teams = {c.team_id for c in convs if c.assignee_id is None and c.status == "open"}
    for team_id in teams:
        for index, c in enumerate(await waiting(account_id, team_id), start=1):
            out[str(c.id)] = index
    return out


async def callback_offer_active(account: Account, team: Team | None) -> bool:
    """Whether the team offers callbacks now (``hub.centre.callbacks.lifecycle.offer_active``)."""
    from hub.centre.callbacks import (
        lifecycle as callbacks,  # callbacks read the queues' waiting times
    )

    return team is not None and await callbacks.offer_active(account, team)


async def _today(account: Account) -> dict[str, dict[str, int]]:
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
    out: dict[str, dict[str, int]] = {}
    for conv, team in opened.items():
        figures = out.setdefault(team, {"answered": 0, "unanswered": 0})
        figures["answered" if conv in replied else "unanswered"] += 1
    return out


def activity_zone(tz: str) -> dt.tzinfo:
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        return dt.UTC


def _agents(members: list[User], load: dict[str, int]) -> dict[str, int]:
    counts = {"available": 0, "away": 0, "offline": 0, "at_capacity": 0}
    for user in members:
        shown = availability.shown_presence(user)
        if shown == "available" and not availability.has_room(user, load.get(str(user.id), 0)):
            counts["at_capacity"] += 1
        else:
            counts[shown] += 1
    return counts


def _figures(queue: list[Conversation]) -> dict[str, Any]:
    at = now()
    waits = [max(0.0, (at - waited_from(c)).total_seconds()) for c in queue]
    return {
        "waiting": len(queue),
        "longest_wait_seconds": int(max(waits, default=0)),
        "average_wait_seconds": int(sum(waits) / len(waits)) if waits else 0,
        "conversation_ids": [str(c.id) for c in queue],
    }


async def snapshot(account: Account) -> list[dict[str, Any]]:
    """Every queue of the account: one per team (by name), then the one without a team."""
    assert account.id is not None
    teams = await Team.find(Team.account_id == account.id).sort("name").to_list()
    users = await User.find(User.account_id == account.id, User.active == True).to_list()  # noqa: E712
    load = await availability.loads(account.id, [str(u.id) for u in users])
    by_id = {str(u.id): u for u in users}
    today = await _today(account)
    rows: list[dict[str, Any]] = []
    for team in [*teams, None]:
        team_id = str(team.id) if team else None
        members = [by_id[m] for m in team.member_ids if m in by_id] if team else users
        rows.append(
            {
                "team_id": team_id,
                "name": team.name if team else NO_TEAM_NAME,
                **_figures(await waiting(account.id, team_id)),
                "agents": _agents(members, load),
                "today": today.get(team_id or "", {"answered": 0, "unanswered": 0}),
                "callback_offer_active": await callback_offer_active(account, team),
            }
        )
    return rows
