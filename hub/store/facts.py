"""Facts recorded as they happen (activity, handling, reply times), as reports read them."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import ActivityEvent

# ---- added by routing


async def events_of_kind_between(
    account_id: PydanticObjectId, kind: str, start: dt.datetime, end: dt.datetime
) -> list[ActivityEvent]:
    """One kind's facts with ``start <= at < end``: equality on (account, kind), a range on ``at``."""
    query = {"account_id": account_id, "kind": kind, "at": {"$gte": start, "$lt": end}}
    return await ActivityEvent.find(query).to_list()
