"""Users, per account."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict

from hub.contract import now
from hub.models import Conversation, User

# ---- added by views


async def list_users(account_id: PydanticObjectId) -> list[User]:
    """Every user of the account (active or not)."""
    return await User.find(User.account_id == account_id).to_list()


async def active_people(account_id: PydanticObjectId) -> list[User]:
    """The account's active users who handle conversations (not wall screens)."""
    return await User.find(
        {"account_id": account_id, "active": True, "role": {"$ne": "dashboard"}}
    ).to_list()


async def user_by_email_any_account(email: str) -> User | None:
    """The user with this (normalized) email in any account: sign-in happens before an
    account is known, so this look-up spans all of them."""
    return await User.find_one(User.email == email)


async def set_preferences(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    language: str | None,
    timezone: str | None,
) -> None:
    """The user's own page language and time zone (None: follow the account)."""
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$set": {"language": language, "timezone": timezone}},
    )


# ---- added by widget
async def active_users(account_id: PydanticObjectId) -> list[User]:
    """The account's active users (any role, any presence)."""
    return await User.find(
        User.account_id == account_id,
        User.active == True,  # noqa: E712
    ).to_list()


# ---- added by routing


#: Statuses that hold an agent's capacity.
HOLDING = ("open", "pending")


class RoutingUpdate(BaseModel):
    """The routing fields of a user to set; only those given (``model_fields_set``) are written."""

    model_config = ConfigDict(extra="forbid")

    capacity: int | None = None
    calendar_url: str | None = None
    calendar_error: str | None = None
    calendar_show_title: bool | None = None
    #: Only ever cleared here (a calendar removed); the calendar sync sets it.
    absence: None = None


class Absence(BaseModel):
    """A calendar absence as stored on the user (``User.absence``)."""

    kind: str
    title: str = ""
    since: dt.datetime
    until: dt.datetime


# --------------------------------------------------------------------------- reads


async def get_user(account_id: PydanticObjectId, user_id: PydanticObjectId) -> User | None:
    """The account's user by id, or None."""
    return await User.find_one(User.id == user_id, User.account_id == account_id)


async def all_users(account_id: PydanticObjectId) -> list[User]:
    """Every user of the account, active or not (reports name them all)."""
    return await User.find(User.account_id == account_id).to_list()


async def seat_users(account_id: PydanticObjectId, roles: tuple[str, ...]) -> list[User]:
    """The account's active users with one of ``roles``."""
    return await User.find(
        {"account_id": account_id, "active": True, "role": {"$in": list(roles)}}
    ).to_list()


async def available_users_all_accounts() -> list[User]:
    """Every ``available`` user of every account (the presence time-outs span accounts).

    Only the index's leading field: a ``$ne`` beside it made the planner scan every user.
    """
    return await User.find({"presence": "available"}).to_list()


async def calendar_users_all_accounts() -> list[User]:
    """Every user with a calendar URL, of every account (the calendar poll spans accounts).

    ``$gt: ""`` is a bounded range on the ``calendar_url`` index.
    """
    return await User.find({"calendar_url": {"$gt": ""}}).to_list()


async def held_count(
    account_id: PydanticObjectId, user_id: PydanticObjectId, statuses: tuple[str, ...] = HOLDING
) -> int:
    """How many conversations in ``statuses`` are assigned to the user (their load, counted
    from the conversations with the (account, assignee, status, …) index)."""
    return await Conversation.get_pymongo_collection().count_documents(
        {"account_id": account_id, "assignee_id": str(user_id), "status": {"$in": list(statuses)}}
    )


async def open_count(account_id: PydanticObjectId, user_id: PydanticObjectId) -> int:
    """How many ``open`` conversations are assigned to the user (the wallboard's capacity)."""
    return await Conversation.get_pymongo_collection().count_documents(
        {"account_id": account_id, "assignee_id": str(user_id), "status": "open"}
    )


# --------------------------------------------------------------------------- routing fields


async def set_routing_fields(
    account_id: PydanticObjectId, user_id: PydanticObjectId, update: RoutingUpdate
) -> None:
    fields = update.model_dump(include=update.model_fields_set)
    if fields:
        await User.get_pymongo_collection().update_one(
            {"_id": user_id, "account_id": account_id}, {"$set": fields}
        )


async def set_team_ids(
    account_id: PydanticObjectId, user_id: PydanticObjectId, team_ids: list[PydanticObjectId]
) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$set": {"team_ids": [str(t) for t in team_ids]}},
    )


async def leave_team(
    account_id: PydanticObjectId, user_ids: list[PydanticObjectId], team_id: PydanticObjectId
) -> None:
    """Take ``team_id`` out of these users' ``team_ids``."""
    await User.get_pymongo_collection().update_many(
        {"account_id": account_id, "_id": {"$in": user_ids}},
        {"$pull": {"team_ids": str(team_id)}},
    )


async def join_team(
    account_id: PydanticObjectId, user_ids: list[PydanticObjectId], team_id: PydanticObjectId
) -> None:
    """Add ``team_id`` to these users' ``team_ids``."""
    await User.get_pymongo_collection().update_many(
        {"account_id": account_id, "_id": {"$in": user_ids}},
        {"$addToSet": {"team_ids": str(team_id)}},
    )


async def leave_team_everyone(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    """Take ``team_id`` out of every user of the account (the team is being removed)."""
    tid = str(team_id)
    await User.get_pymongo_collection().update_many(
        {"account_id": account_id, "team_ids": tid}, {"$pull": {"team_ids": tid}}
    )


# --------------------------------------------------------------------------- presence


async def set_presence(account_id: PydanticObjectId, user_id: PydanticObjectId, value: str) -> bool:
    """Set the presence (and ``last_seen_at``); True when it was different before."""
    result = await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id, "presence": {"$ne": value}},
        {"$set": {"presence": value, "last_seen_at": now()}},
    )
    return bool(result.modified_count)


async def stream_opened(account_id: PydanticObjectId, user_id: PydanticObjectId) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$inc": {"streams_open": 1}, "$set": {"stream_seen_at": now()}},
    )


async def stream_heartbeat(account_id: PydanticObjectId, user_id: PydanticObjectId) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id}, {"$set": {"stream_seen_at": now()}}
    )


async def stream_closed(account_id: PydanticObjectId, user_id: PydanticObjectId) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$inc": {"streams_open": -1}, "$set": {"stream_closed_at": now()}},
    )


# --------------------------------------------------------------------------- calendars


async def store_absence(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    absence: Absence | None,
    checked_at: dt.datetime,
) -> None:
    """A calendar read at ``checked_at``: the absence it gives (or none), and no error."""
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {
            "$set": {
                "calendar_checked_at": checked_at,
                "absence": None if absence is None else absence.model_dump(),
                "calendar_error": None,
            }
        },
    )


async def store_calendar_error(
    account_id: PydanticObjectId, user_id: PydanticObjectId, error: str, checked_at: dt.datetime
) -> None:
    """A calendar that could not be read: the error; the absence known before stays."""
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$set": {"calendar_checked_at": checked_at, "calendar_error": error}},
    )


# ---- added by api


async def user_in_account(account_id: PydanticObjectId, user_id: PydanticObjectId) -> User | None:
    """The account's user with that id (None for another account's)."""
    return await User.find_one(User.id == user_id, User.account_id == account_id)


async def active_user_in_account(
    account_id: PydanticObjectId, user_id: PydanticObjectId
) -> User | None:
    """The account's active user with that id (None when deactivated or another account's)."""
    return await User.find_one(
        User.id == user_id,
        User.account_id == account_id,
        User.active == True,  # noqa: E712
    )
