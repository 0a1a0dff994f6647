"""An account's users."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import User

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
