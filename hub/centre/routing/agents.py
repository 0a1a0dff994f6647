"""The routing side of a user: capacity, presence, calendar, and how colleagues see them.

``apply_routing_fields`` is the one place that checks and stores ``capacity``,
``presence``, ``calendar_url`` and ``calendar_show_title``; the API's
``PATCH /api/v1/users/{id}`` and the admin's user page both call it. ``directory``
answers the colleague directory (``/inbox/directory``, ``GET /api/v1/users?search=``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TypedDict

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.centre.routing import assignment, availability, calendars, presence
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.models import User
from hub.store import teams as team_store
from hub.store import users as user_store
from hub.store.ids import try_id
from hub.store.users import RoutingUpdate

MAX_CAPACITY = 1000


class RoutingFields(BaseModel):
    """The routing fields of ``PATCH /users/{id}``; absent fields stay as they are."""

    model_config = ConfigDict(extra="ignore")

    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    presence: str | None = None
    calendar_url: str | None = Field(default=None, max_length=2000)
    calendar_show_title: bool | None = None
    team_ids: list[str] | None = Field(default=None, max_length=100)


class ShownAbsence(TypedDict):
    """A calendar absence as colleagues see it (the API's and the directory's)."""

    reason: str
    until: dt.datetime


async def apply_routing_fields(
    user: User, fields: RoutingFields, actor: dict[str, object] | None = None
) -> User:
    """Check and store the routing fields given in ``fields``; ``InvalidChange`` names a bad one."""
    assert user.id is not None
    given = fields.model_fields_set
    update = RoutingUpdate()
    if "capacity" in given:
        update.capacity = fields.capacity
    if "calendar_url" in given:
        url = (fields.calendar_url or "").strip() or None
        if url is not None and not re.match(r"^https?://\S+$", url):
            raise InvalidChange("invalid_calendar_url", "calendar_url must be an http(s) URL")
        update.calendar_url = url
        update.calendar_error = None
        if url is None:
            update.absence = None
    if "calendar_show_title" in given:
        if fields.calendar_show_title is None:
            raise InvalidChange("invalid_request", "calendar_show_title cannot be null")
        update.calendar_show_title = fields.calendar_show_title
    if "presence" in given and fields.presence not in presence.PRESENCES:
        raise InvalidChange(
            "invalid_presence", f"presence must be one of {', '.join(presence.PRESENCES)}"
        )
    if "team_ids" in given:
        await set_teams(user, fields.team_ids or [])
    if update.model_fields_set:
        await user_store.set_routing_fields(user.account_id, user.id, update)
    if "presence" in given and fields.presence is not None:
        await presence.set_presence(user, fields.presence, actor=actor)
    if "capacity" in given:
        await assignment.dispatch(user.account_id)  # more room: take from the queue
    found = await user_store.get_user(user.account_id, user.id)
    if found is None:
        raise NotFound(str(user.id))
    return found


async def set_teams(user: User, team_ids: list[str]) -> None:
    """Make the user a member of exactly ``team_ids`` (all of the user's account)."""
    assert user.id is not None
    wanted: list[PydanticObjectId] = []
    for index, value in enumerate(dict.fromkeys(team_ids)):
        tid = try_id(value)
        if tid is None or await team_store.find_team(user.account_id, tid) is None:
            raise InvalidChange(
                "unknown_team", f"team_ids[{index}]: no team of this account has id {value!r}"
            )
        wanted.append(tid)
    await team_store.set_memberships(user.account_id, user.id, wanted)
    await user_store.set_team_ids(user.account_id, user.id, wanted)


def absence_out(user: User) -> ShownAbsence | None:
    """``{"reason", "until"}`` while the user is absent by their calendar; None otherwise."""
    found = availability.absence(user)
    if found is None:
        return None
    until = found["until"]
    if isinstance(until, str):
        until = dt.datetime.fromisoformat(until)
    assert isinstance(until, dt.datetime)
    return {"reason": calendars.reason(user), "until": until}


async def team_names(account_id: PydanticObjectId) -> dict[str, str]:
    """Team names by the id users and conversations keep (a string)."""
    return {str(t.id): t.name for t in await team_store.all_teams(account_id)}


def _matches(user: User, needle: str, names: dict[str, str]) -> bool:
    teams = [names.get(t, "") for t in user.team_ids]
    haystack = [user.name, user.email, user.phone or "", *teams]
    digits = re.sub(r"\D", "", needle)
    if digits and len(digits) >= 3 and digits in re.sub(r"\D", "", user.phone or ""):
        return True
    return any(needle in value.lower() for value in haystack if value)


async def directory(account_id: PydanticObjectId, search: str = "") -> list[User]:
    """The account's active colleagues matching ``search`` (name, email, phone or team), by name.

    An account has at most a few hundred users: they are read whole (the (account, active)
    index) and matched here.
    """
    users = await user_store.active_users(account_id)
    needle = search.strip().lower()[:100]
    if needle:
        names = await team_names(account_id)
        users = [u for u in users if _matches(u, needle, names)]
    return sorted(users, key=lambda u: (u.name or u.email).lower())
