"""Record what happens in the contact centre, once, as it happens: an event row and daily counters.

Every part that changes a conversation's handling (routing, the inbox, the API, SLA,
CSAT, callbacks) calls ``record``. Reports and the wallboard read the rows and
counters back with small range reads (``events_between``, ``counters_between``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId
from pymongo import UpdateOne

from hub.contract import now
from hub.models.activity import ActivityEvent, DailyCounter


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
    actor: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    amounts: dict[str, float] | None = None,
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
        actor=actor or {},
        data=data or {},
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
    amounts: dict[str, float] | None = None,
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
