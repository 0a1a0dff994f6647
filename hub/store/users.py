"""Users, per account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import User

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
