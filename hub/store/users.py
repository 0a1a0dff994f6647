"""Users, per account."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict, cast

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict

from hub.contract import now
from hub.models import Conversation, User
from hub.models.user import SEAT_ROLES, Role
from hub.store.transactions import Session

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


__all__ = [
    "UserFields",
    "active_admins",
    "bump_session_version",
    "count_seats_used",
    "end_sessions",
    "get_user",
    "list_active_users",
    "list_users",
    "live_user",
    "set_fields",
    "set_password_token",
    "user_by_email_all_accounts",
    "user_by_id_all_accounts",
    "user_by_token_all_accounts",
]


class UserFields(TypedDict, total=False):
    """The fields of a user that change after it is made (a ``$set``)."""

    name: str
    role: Role
    active: bool
    phone: str | None
    capacity: int | None
    team_ids: list[str]
    presence: Literal["available", "away", "offline"]
    calendar_url: str | None
    language: str | None
    timezone: str | None
    password_hash: str
    password_token_digest: str | None
    session_version: int


async def live_user(account_id: PydanticObjectId, user_id: PydanticObjectId) -> User | None:
    """An active user of this account (the signed-in user of a session)."""
    return await User.find_one(
        User.id == user_id,
        User.account_id == account_id,
        User.active == True,  # noqa: E712
    )


async def user_by_id_all_accounts(user_id: PydanticObjectId) -> User | None:
    """A user by id in any account: the operator's CLI, which names no account."""
    return await User.get(user_id)


async def user_by_email_all_accounts(email: str) -> User | None:
    """The active user with this email (emails are unique across accounts: sign-in)."""
    return await User.find_one(User.email == email, User.active == True)  # noqa: E712


async def user_by_token_all_accounts(digest: str) -> User | None:
    """The active user whose set-password token has this digest (unique: the link tells who)."""
    return await User.find_one(User.password_token_digest == digest, User.active == True)  # noqa: E712


async def list_active_users(account_id: PydanticObjectId) -> list[User]:
    """The account's active users (unordered)."""
    return await User.find(User.account_id == account_id, User.active == True).to_list()  # noqa: E712


async def active_admins(account_id: PydanticObjectId) -> int:
    return await User.find({"account_id": account_id, "role": "admin", "active": True}).count()


async def count_seats_used(account_id: PydanticObjectId, session: Session | None = None) -> int:
    """Active users holding a seat (dashboard users hold none)."""
    return await User.find(
        {"account_id": account_id, "active": True, "role": {"$in": list(SEAT_ROLES)}},
        session=session,
    ).count()


async def set_fields(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    fields: UserFields,
    session: Session | None = None,
) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$set": cast(dict[str, Any], fields)},
        session=session,
    )


async def bump_session_version(
    account_id: PydanticObjectId, user_id: PydanticObjectId
) -> int | None:
    """End every session of the user: the new session version (None: no such user)."""
    updated = await User.get_pymongo_collection().find_one_and_update(
        {"_id": user_id, "account_id": account_id},
        {"$inc": {"session_version": 1}},
        return_document=True,
    )
    return int(updated["session_version"]) if updated else None


async def end_sessions(account_id: PydanticObjectId, user_id: PydanticObjectId) -> None:
    """Bump the user's session version without reading it back (sign-out)."""
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id}, {"$inc": {"session_version": 1}}
    )


async def set_password_token(
    account_id: PydanticObjectId, user_id: PydanticObjectId, digest: str, expires: dt.datetime
) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user_id, "account_id": account_id},
        {"$set": {"password_token_digest": digest, "password_token_expires": expires}},
    )


async def users_oldest_first(account_id: PydanticObjectId) -> list[User]:
    """The account's users, oldest first (the admin's list)."""
    return await User.find(User.account_id == account_id).sort("created_at").to_list()
