"""Presence: ``available``, ``away``, ``offline``, set by the agent; the inbox stream keeps it honest.

Every change goes through ``set_presence``: it writes the user (the change stream carries
it live to every inbox and the wallboard), records a ``presence`` fact for the wallboard
and reports, and dispatches the queues when someone became available.

The inbox's live streams are counted per process in memory (``Liveness``), with one
lease document per (process, user) in ``stream_leases``, so it works across processes
without a write per stream or per heartbeat on the user. The centre's tick
(``timeouts``) turns an ``available`` agent ``offline`` once every lease they held has run
out: two minutes after their last stream closed, or five after a process that died last
renewed it (it could not report the close).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from beanie import PydanticObjectId

from hub.centre.routing import assignment
from hub.contract import now
from hub.facts import activity
from hub.models import User
from hub.store import accounts as account_store
from hub.store import stream_leases as stream_store
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


class Liveness:
    """This process's inbox streams, counted in memory; a lease per user in the database.

    Opening a stream writes only when it is the user's first on this process, closing
    only when it was their last (the lease then runs ``CLOSED_GRACE`` more); ``renew``
    (every ``HEARTBEAT_SECONDS``, a ``Periodic`` of the app) extends all of the process's
    leases by ``HEARTBEAT_STALE`` with one write. Nothing here touches the user document:
    a heartbeat changes nothing a colleague sees, so no stream hears of it.
    """

    def __init__(self) -> None:
        self.process = uuid.uuid4().hex
        self._open: dict[PydanticObjectId, int] = {}

    @property
    def streams(self) -> int:
        return sum(self._open.values())

    async def opened(self, user: User) -> None:
        assert user.id is not None
        count = self._open.get(user.id, 0)
        self._open[user.id] = count + 1
        if count == 0:
            await stream_store.hold(user.account_id, user.id, self.process, now() + HEARTBEAT_STALE)

    async def closed(self, user: User) -> None:
        assert user.id is not None
        count = self._open.get(user.id, 0) - 1
        if count > 0:
            self._open[user.id] = count
            return
        self._open.pop(user.id, None)
        await stream_store.hold(user.account_id, user.id, self.process, now() + CLOSED_GRACE)

    async def renew(self) -> None:
        """Extend the leases of every user with a stream open here (one write)."""
        await stream_store.renew(self.process, list(self._open), now() + HEARTBEAT_STALE)


async def timeouts(account_id: PydanticObjectId | None = None) -> int:
    """Set ``offline`` every available agent whose inbox streams are gone; returns how many."""
    at = now()
    changed = 0
    users = [
        user
        for user in await user_store.available_users_all_accounts()
        if account_id is None or user.account_id == account_id
    ]
    leases = await stream_store.leases_of([user.id for user in users if user.id is not None])
    for user in users:
        ends = leases.get(user.id) if user.id is not None else None
        # never had a stream (presence set through the API): not ours to time out
        gone = bool(ends) and all(until <= at for until in ends or ())
        if gone and await set_presence(
            user, "offline", actor={"type": "system", "id": None}, dispatch=False
        ):
            changed += 1
    return changed
