"""Facts recorded as they happen (activity, handling, reply times), as reports read them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from typing import Any, Literal, TypedDict
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId
from pymongo import UpdateOne

from hub.contract import now
from hub.models import Account, ActivityEvent, Conversation
from hub.models.activity import DailyCounter

# ---- added by routing


async def events_of_kind_between(
    account_id: PydanticObjectId, kind: str, start: dt.datetime, end: dt.datetime
) -> list[ActivityEvent]:
    """One kind's facts with ``start <= at < end``: equality on (account, kind), a range on ``at``."""
    query = {"account_id": account_id, "kind": kind, "at": {"$gte": start, "$lt": end}}
    return await ActivityEvent.find(query).to_list()


TZ_CACHE_SECONDS = 60.0
_zones: dict[PydanticObjectId, tuple[float, str]] = {}
#: Who did something, as a fact names them: ``{"type": "user", "id": …}``.
Actor = Mapping[str, object]
#: What a fact carries beside its kind, and the sums a fact adds to its day's counters.
Data = Mapping[str, object]
Amounts = Mapping[str, float]


# --------------------------------------------------------------------------- events and counters


def local_day(at: dt.datetime, tz: str = "UTC") -> str:
    """The calendar day of ``at`` in time zone ``tz`` (``YYYY-MM-DD``)."""
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return at.astimezone(zone).date().isoformat()


async def record(
    account_id: PydanticObjectId,
    kind: str,
    *,
    at: dt.datetime | None = None,
    tz: str = "UTC",
    conversation_id: PydanticObjectId | None = None,
    user_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    actor: Actor | None = None,
    data: Data | None = None,
    amounts: Amounts | None = None,
) -> ActivityEvent:
    """Store one fact and count it for the day in every scope it names.

    ``amounts`` adds sums beside the count (``{"first_response_seconds": 42}`` adds to
    ``counts.first_response_seconds``), so averages are sum / count without a scan.
    """
    at = at or now()
    event = ActivityEvent(
        account_id=account_id,
        at=at,
        kind=kind,
        conversation_id=conversation_id,
        user_id=user_id,
        team_id=team_id,
        channel_id=channel_id,
        actor=dict(actor or {}),
        data=dict(data or {}),
    )
    await event.insert()
    await count(
        account_id,
        kind,
        at=at,
        tz=tz,
        user_id=user_id,
        team_id=team_id,
        channel_id=channel_id,
        amounts=amounts,
    )
    return event


async def count(
    account_id: PydanticObjectId,
    kind: str,
    *,
    at: dt.datetime | None = None,
    tz: str = "UTC",
    user_id: str | None = None,
    team_id: str | None = None,
    channel_id: str | None = None,
    amounts: Amounts | None = None,
) -> None:
    """Add one ``kind`` (and ``amounts``) to the day's counters of each scope named."""
    day = local_day(at or now(), tz)
    inc: dict[str, float] = {f"counts.{kind}": 1}
    for key, value in (amounts or {}).items():
        inc[f"counts.{key}"] = value
    scopes = [("account", "")]
    scopes += [
        (s, i) for s, i in (("agent", user_id), ("team", team_id), ("channel", channel_id)) if i
    ]
    ops = [
        UpdateOne(
            {"account_id": account_id, "scope": scope, "scope_id": scope_id, "day": day},
            {"$inc": inc, "$setOnInsert": {"created_at": now()}},
            upsert=True,
        )
        for scope, scope_id in scopes
    ]
    await DailyCounter.get_pymongo_collection().bulk_write(ops, ordered=False)


async def events_between(
    account_id: PydanticObjectId,
    start: dt.datetime,
    end: dt.datetime,
    kinds: list[str] | None = None,
) -> list[ActivityEvent]:
    """The account's facts with ``start <= at < end`` (a bounded range on the (account, at) index)."""
    query: dict[str, Any] = {"account_id": account_id, "at": {"$gte": start, "$lt": end}}
    docs = await ActivityEvent.find(query).to_list()
    if kinds is not None:
        docs = [d for d in docs if d.kind in kinds]
    return sorted(docs, key=lambda d: d.at)


async def counters_between(
    account_id: PydanticObjectId, scope: str, first_day: str, last_day: str
) -> list[DailyCounter]:
    """The day counters of one scope for ``first_day``..``last_day`` inclusive."""
    return await DailyCounter.find(
        {"account_id": account_id, "scope": scope, "day": {"$gte": first_day, "$lte": last_day}}
    ).to_list()


# --------------------------------------------------------------------------- handling facts


async def account_tz(account_id: PydanticObjectId) -> str:
    """The account's time zone (``UTC`` until accounts carry one), cached briefly."""
    cached = _zones.get(account_id)
    if cached is not None and time.monotonic() - cached[0] < TZ_CACHE_SECONDS:
        return cached[1]
    account = await Account.get(account_id)
    tz = str(getattr(account, "timezone", None) or "UTC")
    _zones[account_id] = (time.monotonic(), tz)
    return tz


def _seconds(later: dt.datetime | None, earlier: dt.datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


class FactFields(TypedDict, total=False):
    """The fact fields a change of a conversation writes with it."""

    assigned_at: dt.datetime
    resolution_seconds: float | None
    opened_at: dt.datetime
    first_response_at: None
    first_response_seconds: None


def change_fields(before: Conversation, update: Mapping[str, object]) -> FactFields:
    """Fact fields that go with a change: assignment time, reopening, resolution time."""
    extra: FactFields = {}
    at = now()
    if update.get("assignee_id") and update["assignee_id"] != before.assignee_id:
        extra["assigned_at"] = at
    status = update.get("status")
    if status == "resolved" and before.status != "resolved":
        extra["resolution_seconds"] = _seconds(at, before.opened_at or before.created_at)
    if status == "open" and before.status == "resolved":
        extra["opened_at"] = at
        extra["first_response_at"] = None
        extra["first_response_seconds"] = None
        extra["resolution_seconds"] = None
    return extra


Handover = Literal["transferred", "taken_over", ""]


def handover(
    before: Conversation, assignee_id: object, team_id: object, actor: Actor | None
) -> Handover:
    """What a change of assignee or team is, defined once (DESIGN.md "transfers out").

    ``taken_over``: someone took it from its assignee for themselves (not the agent's
    transfer); ``transferred``: handed on by the agent (to another agent, back to the
    queue) or to another team; else "". The conversation's ``transfers`` counts exactly
    the ``transferred`` facts."""
    actor_id = (actor or {}).get("id")
    from_agent = bool(before.assignee_id) and assignee_id != before.assignee_id
    if from_agent and actor_id is not None and actor_id == assignee_id:
        return "taken_over"
    return "transferred" if from_agent or team_id != before.team_id else ""


def transfers(before: Conversation, update: Mapping[str, object], actor: Actor | None) -> int:
    """1 when a change hands the conversation on (``handover``'s ``transferred``)."""
    assignee = update.get("assignee_id", before.assignee_id)
    team = update.get("team_id", before.team_id)
    return int(handover(before, assignee, team, actor) == "transferred")


async def changed(before: Conversation, after: Conversation, actor: Actor | None = None) -> None:
    """Record what a change did: assignment, transfer or take-over, resolution, reopening."""
    actor = actor or {"type": "system"}
    tz = await account_tz(after.account_id)
    base: dict[str, Any] = {
        "tz": tz, "conversation_id": after.id, "team_id": after.team_id,
        "channel_id": str(after.channel_id), "actor": actor,
    }  # fmt: skip
    if after.assignee_id != before.assignee_id or after.team_id != before.team_id:
        await _moved(before, after, actor, base)
    if after.status == "resolved" and before.status != "resolved":
        amounts = {"resolution_seconds": after.resolution_seconds or 0.0}
        handle = _seconds(now(), after.assigned_at) if after.assignee_id else None
        if handle is not None:
            amounts["handle_seconds"] = handle
        await record(
            after.account_id, "resolved", user_id=after.assignee_id, amounts=amounts,
            data={"handle_seconds": handle, "resolution_seconds": after.resolution_seconds},
            **base,
        )  # fmt: skip
    if after.status == "open" and before.status == "resolved":
        await record(after.account_id, "reopened", **base)


async def _moved(
    before: Conversation, after: Conversation, actor: Actor, base: dict[str, Any]
) -> None:
    kind = handover(before, after.assignee_id, after.team_id, actor)
    data = {"from_user": before.assignee_id, "to_user": after.assignee_id,
            "from_team": before.team_id, "to_team": after.team_id}  # fmt: skip
    if kind:
        await record(after.account_id, kind, user_id=before.assignee_id, data=data, **base)
    if after.assignee_id and after.assignee_id != before.assignee_id:
        await record(after.account_id, "assigned", user_id=after.assignee_id, **base)


async def first_response(conversation: Conversation, at: dt.datetime, seconds: float) -> bool:
    """Mark the conversation's first response, once: True when this call set it."""
    result = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": conversation.account_id, "first_response_at": None},
        {"$set": {"first_response_at": at, "first_response_seconds": seconds}},
    )
    return bool(result.modified_count)
