"""Accounts: the tenants."""

from __future__ import annotations

# ---- added by routing
from beanie import PydanticObjectId

from hub.models import Account


async def get_account(account_id: PydanticObjectId) -> Account | None:
    return await Account.get(account_id)


async def list_accounts_all_accounts() -> list[Account]:
    """Every account (the centre's tick runs for each; work that spans accounts by nature)."""
    return await Account.find_all().to_list()
