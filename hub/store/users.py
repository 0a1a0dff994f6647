"""Users of an account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import User


# ---- added by widget
async def active_users(account_id: PydanticObjectId) -> list[User]:
    """The account's active users (any role, any presence)."""
    return await User.find(
        User.account_id == account_id,
        User.active == True,  # noqa: E712
    ).to_list()
