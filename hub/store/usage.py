"""The usage ledger (``usage_events``): one-off charges and subscription snapshots, per account."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import UsageEvent
from hub.store.transactions import Session


async def api_activated(account_id: PydanticObjectId, session: Session | None = None) -> bool:
    """Whether the account was ever charged the API activation."""
    found = await UsageEvent.find_one(
        {"account_id": account_id, "kind": "api_activation"}, session=session
    )
    return found is not None


async def events_between(
    account_id: PydanticObjectId, start: dt.datetime, end: dt.datetime
) -> list[UsageEvent]:
    """The account's ledger events with ``start <= at < end`` (one range read)."""
    return await UsageEvent.find(
        {"account_id": account_id, "at": {"$gte": start, "$lt": end}}
    ).to_list()


async def subscription_before(
    account_id: PydanticObjectId, start: dt.datetime
) -> UsageEvent | None:
    """The subscription snapshot in force at ``start``: the latest one before it."""
    found = await UsageEvent.find(
        {"account_id": account_id, "kind": "subscription", "at": {"$lt": start}}
    ).to_list()
    return max(found, key=lambda e: e.at) if found else None


async def insert_events(events: list[UsageEvent], session: Session | None = None) -> None:
    """Write ledger events (inside the caller's transaction when ``session`` is given)."""
    for event in events:
        await event.insert(session=session)
