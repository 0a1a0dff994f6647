"""Who can take a conversation now: presence, calendar absence and capacity, read from the users.

An agent can be given a conversation when they are ``available``, not absent by their
calendar, and hold fewer open conversations (status open or pending, assigned to them)
than their ``capacity`` (None: unlimited). The load is counted from the conversations
(the (account, assignee, status, …) index), never kept as a counter that could drift.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.contract import now
from hub.models import User
from hub.store import users as user_store

#: Statuses that hold an agent's capacity.
HOLDING = user_store.HOLDING


def absence(user: User, at: dt.datetime | None = None) -> dict[str, object] | None:
    """The user's calendar absence in force at ``at`` (now), or None."""
    found = user.absence
    if not found or not found.get("until"):
        return None
    until = found["until"]
    if isinstance(until, str):
        until = dt.datetime.fromisoformat(until)
    if until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    since = found.get("since")
    if isinstance(since, dt.datetime) and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    at = at or now()
    if until <= at or (isinstance(since, dt.datetime) and since > at):
        return None
    return found


def shown_presence(user: User) -> str:
    """The presence colleagues see: ``away`` during a calendar absence."""
    if user.presence != "offline" and absence(user) is not None:
        return "away"
    return user.presence


def has_room(user: User, load: int) -> bool:
    return user.capacity is None or load < user.capacity


def routable(user: User) -> bool:
    """Available, active and not absent (capacity is checked against the load separately)."""
    return user.active and user.presence == "available" and absence(user) is None


async def load(account_id: PydanticObjectId, user_id: PydanticObjectId) -> int:
    """How many open or pending conversations are assigned to the user."""
    return await user_store.held_count(account_id, user_id, HOLDING)


async def loads(account_id: PydanticObjectId, user_ids: list[PydanticObjectId]) -> dict[str, int]:
    """Each user's load, keyed by the id as conversations store it (``assignee_id``)."""
    return {str(uid): await load(account_id, uid) for uid in user_ids}
