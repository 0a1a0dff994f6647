"""Accounts."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Account


# ---- added by widget
async def get_account(account_id: PydanticObjectId) -> Account | None:
    return await Account.get(account_id)


async def account_by_slug_all_accounts(slug: str) -> Account | None:
    """The account with this slug (``demo``). Spans accounts by nature: the slug names one."""
    return await Account.find_one(Account.slug == slug)
