"""Accounts: the tenants."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Account

# ---- added by rules


async def get_account(account_id: PydanticObjectId) -> Account | None:
    """The account (an ``_id`` look-up), None if there is none."""
    return await Account.get(account_id)
