"""Presence: ``available``, ``away``, ``offline``, set by the agent; the inbox stream keeps it honest.

Every change goes through ``set_presence``: it writes the user (the change stream carries
it live to every inbox and the wallboard), records a ``presence`` fact for the wallboard
and reports, and dispatches the queues when someone became available.

The inbox's live stream reports itself here (``stream_opened`` / ``stream_closed``, and a
``heartbeat`` while it runs), on the user document, so it works across processes. The
centre's tick (``timeouts``) turns an ``available`` agent ``offline`` once their last stream
has been closed for two minutes — or has sent no heartbeat for five (a process that died
could not report the close).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from beanie import PydanticObjectId

from hub.centre.routing import assignment
from hub.contract import now
from hub.facts import activity
from hub.models import User
from hub.store import accounts as account_store
from hub.store import users as user_store

Presence = Literal["available", "away", "offline"]
PRESENCES: tuple[str, ...] = ("available", "away", "offline")
CLOSED_GRACE = dt.timedelta(minutes=2)
HEARTBEAT_STALE = dt.timedelta(minutes=5)
HEARTBEAT_SECONDS = 60.0


async def set_presence(
    user: User, value: str, *, actor: dict[str, object] | None = None, dispatch: bool = True
) -> bool:
    """Set the user's presence; True when it changed. ``ValueError`` for an unknown value."""
    if value not in PRESENCES:
        raise ValueError(f"presence must be one of {', '.join(PRESENCES)}")
    assert user.id is not None
    changed = await user_store.set_presence(user.account_id, user.id, value)
    before = user.presence
    user.presence = value  # type: ignore[assignment]
    if not changed:
        return False
    account = await account_store.get_account(user.account_id)
    await activity.record(
        user.account_id,
        "presence",
        tz=account.timezone if account else "UTC",
        user_id=str(user.id),
        actor=actor or {"type": "user", "id": str(user.id)},
        data={"from": before, "to": value},
    )
    if dispatch and value == "available":
        await assignment.dispatch(user.account_id)
    return True


async def stream_opened(user: User) -> None:
    assert user.id is not None
    await user_store.stream_opened(user.account_id, user.id)


async def heartbeat(user: User) -> None:
    assert user.id is not None
    await user_store.stream_heartbeat(user.account_id, user.id)


async def stream_closed(user: User) -> None:
    assert user.id is not None
    await user_store.stream_closed(user.account_id, user.id)


def _gone(user: User, at: dt.datetime) -> bool:
    """No inbox stream for two minutes (or a silent one for five)."""
    if user.stream_closed_at is None:
        return False  # never had a stream: presence was set some other way (API)
    closed_long = user.stream_closed_at <= at - CLOSED_GRACE
    if user.streams_open <= 0:
        return closed_long
    seen = user.stream_seen_at
    return closed_long and (seen is None or seen <= at - HEARTBEAT_STALE)


async def timeouts(account_id: PydanticObjectId | None = None) -> int:
    """Set ``offline`` every available agent whose inbox streams are gone; returns how many."""
    at = now()
    changed = 0
    for user in await user_store.available_users_all_accounts():
        if account_id is not None and user.account_id != account_id:
            continue
        if _gone(user, at) and await set_presence(
            user, "offline", actor={"type": "system", "id": None}, dispatch=False
        ):
            changed += 1
    return changed
