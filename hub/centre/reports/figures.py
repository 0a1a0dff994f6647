"""Reports: the agent table, one row per conversation, and the time series — from recorded facts.

Everything here reads ``activity_events`` (bounded ``at`` ranges on the
``(account_id, at)`` and ``(account_id, kind, at)`` indexes) or ``daily_counters``,
never the message history. Every figure is defined once, in
``hub.centre.reports.definitions`` (DESIGN.md "Reports"): assigned, handled, answer rate,
first response, handle time, transfers out, openings and answered, CSAT.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.centre.reports import definitions
from hub.centre.reports.period import Period
from hub.contract import now
from hub.facts import activity
from hub.models import ActivityEvent, Conversation
from hub.store import channels as channel_store
from hub.store import contacts as contact_store
from hub.store import conversations as conversation_store
from hub.store import facts as fact_store
from hub.store import teams as team_store
from hub.store import users as user_store

Interval = Literal["hour", "day"]


class AgentRow(BaseModel):
    user_id: str
    name: str
    assigned: int
    handled: int
    answer_rate: float | None
    avg_first_response_seconds: float | None
    avg_handle_seconds: float | None
    transfers_out: int
    outgoing_messages: int


class ConversationRow(BaseModel):
    id: str
    channel: str
    team: str | None
    assignee: str | None
    opened_at: str
    first_response_seconds: float | None
    resolution_seconds: float | None
    messages_in: int
    messages_out: int
    transfers: int
    labels: list[str]
    vip: bool
    sla_breached: bool
    csat: int | None


class SummaryPoint(BaseModel):
    start: str
    opened: int
    resolved: int
    answered: int
    median_first_response_seconds: float | None


class Filters(BaseModel):
    team_id: str | None = None
    channel_id: str | None = None

    def keep(self, event: ActivityEvent) -> bool:
        if self.team_id and event.team_id != self.team_id:
            return False
        return not (self.channel_id and event.channel_id != self.channel_id)


# --------------------------------------------------------------------------- agents


async def agents(
    account_id: PydanticObjectId, period: Period, filters: Filters | None = None
) -> list[AgentRow]:
    """One row per person with a seat (and anyone else the period's facts name), by name."""
    filters = filters or Filters()
    events = [
        e
        for e in await activity.events_between(account_id, period.start, period.end)
        if filters.keep(e)
    ]
    by_user: dict[str, list[ActivityEvent]] = defaultdict(list)
    for event in events:
        if event.user_id:
            by_user[event.user_id].append(event)
    people = await user_store.all_users(account_id)
    names = {str(u.id): u.name or u.email for u in people}
    shown = {str(u.id) for u in people if u.active and u.role != "dashboard"} | set(by_user)
    rows = [_agent_row(uid, names.get(uid, uid), by_user.get(uid, [])) for uid in shown]
    return sorted(rows, key=lambda r: (r.name.lower(), r.user_id))


def _agent_row(user_id: str, name: str, events: list[ActivityEvent]) -> AgentRow:
    return AgentRow(user_id=user_id, name=name, **definitions.handling(events).model_dump())


# --------------------------------------------------------------------------- conversations


async def _kind_between(
    account_id: PydanticObjectId, kind: str, period: Period
) -> list[ActivityEvent]:
    """One kind's facts in the period: equality on (account, kind), a range on ``at``."""
    return await fact_store.events_of_kind_between(account_id, kind, period.start, period.end)


async def conversations(
    account_id: PydanticObjectId, period: Period, filters: Filters | None = None
) -> list[ConversationRow]:
    """One row per conversation opened (or reopened) in the period, oldest opening first."""
    filters = filters or Filters()
    openings: dict[PydanticObjectId, dt.datetime] = {}
    for kind in definitions.ROW_OPENINGS:
        for event in await _kind_between(account_id, kind, period):
            if event.conversation_id is not None and filters.keep(event):
                first = openings.get(event.conversation_id)
                openings[event.conversation_id] = min(first, event.at) if first else event.at
    found = await conversation_store.conversations_by_ids(account_id, list(openings))
    names = await _names(account_id, found)
    rows = [_conversation_row(c, openings[c.id], names, period.tz) for c in found if c.id]
    return sorted(rows, key=lambda r: (r.opened_at, r.id))


@dataclass(frozen=True)
class _Names:
    """What a conversation row names: channels, teams and people by the ids rows keep."""

    channel: dict[str, str]
    team: dict[str, str]
    user: dict[str, str]
    vip: set[PydanticObjectId]


async def _names(account_id: PydanticObjectId, found: list[Conversation]) -> _Names:
    channels = await channel_store.all_channels(account_id)
    teams = await team_store.all_teams(account_id)
    users = await user_store.all_users(account_id)
    contact_ids = [c.contact_id for c in found if c.contact_id]
    vips = await contact_store.vip_contact_ids(account_id, contact_ids)
    return _Names(
        channel={str(c.id): c.name for c in channels},
        team={str(t.id): t.name for t in teams},
        user={str(u.id): u.name or u.email for u in users},
        vip=vips,
    )


def _conversation_row(
    c: Conversation, opened_at: dt.datetime, names: _Names, tz: str
) -> ConversationRow:
    sla = getattr(c, "sla", None)
    breaches = (sla or {}).get("breaches") if isinstance(sla, dict) else getattr(sla, "breaches", None)  # fmt: skip
    csat = getattr(c, "csat", None)
    rating = (csat or {}).get("rating") if isinstance(csat, dict) else getattr(csat, "rating", None)
    return ConversationRow(
        id=str(c.id),
        channel=names.channel.get(str(c.channel_id), c.channel_type),
        team=names.team.get(c.team_id) if c.team_id else None,
        assignee=names.user.get(c.assignee_id) if c.assignee_id else None,
        opened_at=Period.local_iso(opened_at, tz),
        first_response_seconds=c.first_response_seconds,
        resolution_seconds=c.resolution_seconds,
        messages_in=c.messages_in,
        messages_out=c.messages_out,
        transfers=c.transfers,
        labels=c.labels,
        vip=bool(getattr(c, "vip", False)) or c.contact_id in names.vip,
        sla_breached=bool(breaches),
        csat=rating,
    )


# --------------------------------------------------------------------------- summary


async def summary(
    account_id: PydanticObjectId,
    period: Period,
    interval: Interval = "day",
    filters: Filters | None = None,
) -> list[SummaryPoint]:
    """Per hour or day (account's time zone): openings (new or reopened), resolved, and of
    the openings the ones answered (a first public reply by a person, whenever it came),
    with the median first response of those answers (``hub.centre.reports.definitions``).

    First responses are read from the period's start to its end or now, whichever is
    later: an opening of the period answered after it still counts as answered."""
    filters = filters or Filters()
    buckets = period.buckets(interval)
    counts: dict[str, dict[str, int]] = {b: defaultdict(int) for b in buckets}
    seconds: dict[str, list[float]] = {b: [] for b in buckets}

    def bucket(event: ActivityEvent, at: dt.datetime) -> str | None:
        found = period.bucket_of(at, interval)
        return found if filters.keep(event) and found in counts else None

    for kind in (*definitions.OPENINGS, "resolved"):
        for event in await _kind_between(account_id, kind, period):
            if (found := bucket(event, event.at)) is not None:
                counts[found]["resolved" if kind == "resolved" else "opened"] += 1
    answers = await fact_store.events_of_kind_between(
        account_id, "first_response", period.start, max(period.end, now())
    )
    for event in answers:
        if (found := bucket(event, definitions.opening_of(event))) is not None:
            counts[found]["answered"] += 1
            seconds[found].append(definitions.response_seconds(event))
    return [
        SummaryPoint(
            start=b,
            opened=counts[b]["opened"],
            resolved=counts[b]["resolved"],
            answered=counts[b]["answered"],
            median_first_response_seconds=definitions.median(seconds[b]),
        )
        for b in buckets
    ]


# --------------------------------------------------------------------------- CSV


def to_csv(rows: Iterable[BaseModel], model: type[BaseModel]) -> str:
    """Rows as CSV with a header of the model's fields; lists joined with ``;``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    fields = list(model.model_fields)
    writer.writerow(fields)
    for row in rows:
        data = row.model_dump()
        writer.writerow([_cell(data[f]) for f in fields])
    return out.getvalue()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
