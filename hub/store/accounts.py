"""Accounts."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Account

# ---- added by api


async def find_account(account_id: PydanticObjectId) -> Account | None:
    """The account with that id, or None (it was deleted)."""
    return await Account.get(account_id)
