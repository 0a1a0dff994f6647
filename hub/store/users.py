"""Users: one account's people, looked up by id, listed, changed field by field.

Sign-in finds a user by email and a set-password link by its token's digest: both are
unique across accounts by nature (the account is what they tell), and both are indexed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict, cast

from beanie import PydanticObjectId

from hub.models import User
from hub.models.user import SEAT_ROLES, Role
from hub.store.transactions import Session

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


async def get_user(account_id: PydanticObjectId, user_id: PydanticObjectId) -> User | None:
    """A user of this account; another account's id is simply not found."""
    return await User.find_one(User.id == user_id, User.account_id == account_id)


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


async def list_users(account_id: PydanticObjectId) -> list[User]:
    """The account's users, oldest first."""
    return await User.find(User.account_id == account_id).sort("created_at").to_list()


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
