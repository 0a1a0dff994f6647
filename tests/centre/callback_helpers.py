"""Helpers of the callback tests: a team with callback settings, windows on a day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.centre.callbacks.settings import validate_callback_settings
from hub.models import Channel, Team
from hub.pipeline.services import Hub
from tests.conftest import Tenant

SETTINGS: dict[str, Any] = {
    "enabled": True,
    "offer_when_wait_minutes": 5,
    "offer_from": "08:00",
    "offer_until": "17:00",
    "windows": [["10:00", "12:00"], ["14:00", "16:00"]],
    "requeue_after_minutes": 20,
}


async def team_with_callbacks(
    hub: Hub, tenant: Tenant, name: str = "Support", route: bool = True, **changes: Any
) -> Team:
    """A team of the tenant with callback settings; new conversations of its channel go there."""
    team = Team(
        account_id=tenant.account.id,  # type: ignore[arg-type]
        name=name,
        callback=validate_callback_settings({**SETTINGS, **changes}),
    )
    await team.insert()
    if route:
        await Channel.get_pymongo_collection().update_one(
            {"_id": tenant.channel.id}, {"$set": {"default_team_id": str(team.id)}}
        )
        hub.channels.forget(
            tenant.channel.id
        )  # the cache drops it on the change event too; do not wait
    return team


def window(
    day: dt.date, start: str, end: str, tz: dt.tzinfo = dt.UTC
) -> tuple[dt.datetime, dt.datetime]:
    def at(hhmm: str) -> dt.datetime:
        h, m = (int(p) for p in hhmm.split(":"))
        return dt.datetime.combine(day, dt.time(h, m), tzinfo=tz).astimezone(dt.UTC)

    return at(start), at(end)
