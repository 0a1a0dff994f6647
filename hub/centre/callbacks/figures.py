"""The callback figures others read: routing's ``/queues`` and the wallboard call
``offer_active(account, team)`` and ``waiting_count(account_id, team_id)``; and the
retention of attempt notes."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.centre.callbacks.checks import account_tz
from hub.centre.callbacks.settings import in_offer_hours, settings_of
from hub.contract import now
from hub.models import Account, Team
from hub.store import callbacks as store
from hub.store import queues as queue_store


async def waiting_count(account_id: PydanticObjectId, team_id: str | None) -> int:
    """Callbacks of the team still to be made (waiting or re-queued): the wallboard's figure."""
    return await store.count_open(account_id, team_id)


async def average_wait_seconds(account_id: PydanticObjectId, team_id: str) -> float:
    """The average current wait of the team's waiting conversations (0 when none wait):
    the queue's waiting set (``hub.store.queues``), as every figure counts it; one
    aggregate of its sums, whatever the queue's length."""
    stats = await queue_store.waiting_stats(account_id, PydanticObjectId(team_id))
    if not stats.waiting:
        return 0.0
    at_ms = (now() - queue_store.EPOCH) / dt.timedelta(milliseconds=1)
    return (stats.waiting * at_ms - stats.total_ms) / stats.waiting / 1000


async def offer_active(account: Account, team: Team) -> bool:
    """Whether the team offers callbacks now: enabled, inside the account-local offer
    hours, and the average current wait of its waiting conversations over the minutes."""
    settings = settings_of(team.callback)
    if not team.callback or not settings["enabled"] or not settings["windows"]:
        return False
    if not in_offer_hours(settings, now(), account_tz(account)):
        return False
    assert account.id is not None
    average = await average_wait_seconds(account.id, str(team.id))
    return average > settings["offer_when_wait_minutes"] * 60


async def purge_notes(account_id: PydanticObjectId, before: dt.datetime) -> int:
    """Clear the notes of attempts made before ``before`` (the retention of callback notes).

    The callbacks stay (their status and times are no personal text); each old attempt
    keeps its time, agent and outcome with an empty note, and ``last_note`` is cleared
    when the newest attempt is old. Returns how many callbacks changed.
    """
    return await store.purge_notes(account_id, before)
