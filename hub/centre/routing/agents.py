"""The routing side of a user: capacity, presence, calendar, and how colleagues see them.

``apply_routing_fields`` is the one place that checks and stores ``capacity``,
``presence``, ``calendar_url`` and ``calendar_show_title``; the API's
``PATCH /api/v1/users/{id}`` and the admin's user page both call it. ``directory``
answers the colleague directory (``/inbox/directory``, ``GET /api/v1/users?search=``).
"""

from __future__ import annotations

import re
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.centre.routing import assignment, availability, calendars, presence
from hub.models import Team, User
from hub.store.conversations import InvalidChange

MAX_CAPACITY = 1000


class RoutingFields(BaseModel):
    """The routing fields of ``PATCH /users/{id}``; absent fields stay as they are."""

    model_config = ConfigDict(extra="ignore")

    capacity: int | None = Field(default=None, ge=0, le=MAX_CAPACITY)
    presence: str | None = None
    calendar_url: str | None = Field(default=None, max_length=2000)
    calendar_show_title: bool | None = None
    team_ids: list[str] | None = Field(default=None, max_length=100)


async def apply_routing_fields(
    user: User, fields: RoutingFields, actor: dict[str, object] | None = None
) -> User:
    """Check and store the routing fields given in ``fields``; ``InvalidChange`` names a bad one."""
    given = fields.model_fields_set
    update: dict[str, Any] = {}
    if "capacity" in given:
        update["capacity"] = fields.capacity
    if "calendar_url" in given:
        url = (fields.calendar_url or "").strip() or None
        if url is not None and not re.match(r"^https?://\S+$", url):
            raise InvalidChange("invalid_calendar_url", "calendar_url must be an http(s) URL")
        update.update({"calendar_url": url, "calendar_error": None})
        if url is None:
            update["absence"] = None
    if "calendar_show_title" in given:
        if fields.calendar_show_title is None:
            raise InvalidChange("invalid_request", "calendar_show_title cannot be null")
        update["calendar_show_title"] = fields.calendar_show_title
    if "presence" in given and fields.presence not in presence.PRESENCES:
        raise InvalidChange(
            "invalid_presence", f"presence must be one of {', '.join(presence.PRESENCES)}"
        )
    if "team_ids" in given:
        await set_teams(user, fields.team_ids or [])
    if update:
        await User.get_pymongo_collection().update_one(
            {"_id": user.id, "account_id": user.account_id}, {"$set": update}
        )
    if "presence" in given and fields.presence is not None:
        await presence.set_presence(user, fields.presence, actor=actor)
    if "capacity" in given:
        await assignment.dispatch(user.account_id)  # more room: take from the queue
    found = await User.get(user.id)
    assert found is not None
    return found


async def set_teams(user: User, team_ids: list[str]) -> None:
    """Make the user a member of exactly ``team_ids`` (all of the user's account)."""
    wanted: list[PydanticObjectId] = []
    for index, value in enumerate(dict.fromkeys(team_ids)):
        try:
            tid = PydanticObjectId(value)
        except Exception:
            tid = None
        team = await Team.find_one(Team.id == tid, Team.account_id == user.account_id)
        if tid is None or team is None:
            raise InvalidChange(
                "unknown_team", f"team_ids[{index}]: no team of this account has id {value!r}"
            )
        wanted.append(tid)
    uid = str(user.id)
    teams = Team.get_pymongo_collection()
    await teams.update_many(
        {"account_id": user.account_id, "member_ids": uid, "_id": {"$nin": wanted}},
        {"$pull": {"member_ids": uid}},
    )
    await teams.update_many(
        {"account_id": user.account_id, "_id": {"$in": wanted}}, {"$addToSet": {"member_ids": uid}}
    )
    await User.get_pymongo_collection().update_one(
        {"_id": user.id, "account_id": user.account_id},
        {"$set": {"team_ids": [str(t) for t in wanted]}},
    )


def absence_out(user: User) -> dict[str, Any] | None:
    """``{"reason", "until"}`` while the user is absent by their calendar; None otherwise."""
    found = availability.absence(user)
    if found is None:
        return None
    return {"reason": calendars.reason(user), "until": found["until"]}


async def team_names(account_id: PydanticObjectId) -> dict[str, str]:
    return {str(t.id): t.name for t in await Team.find(Team.account_id == account_id).to_list()}


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
    users = await User.find(User.account_id == account_id, User.active == True).to_list()  # noqa: E712
    needle = search.strip().lower()[:100]
    if needle:
        names = await team_names(account_id)
        users = [u for u in users if _matches(u, needle, names)]
    return sorted(users, key=lambda u: (u.name or u.email).lower())
