"""Accounts."""

from __future__ import annotations

from typing import NamedTuple

from beanie import PydanticObjectId

from hub.contract import JsonObject
from hub.models import Account

# ---- added by views


class SurveyHeading(NamedTuple):
    """What a survey page shows of the account: its name and its survey settings."""

    name: str
    csat: JsonObject | None


async def survey_heading(account_id: PydanticObjectId) -> SurveyHeading:
    """The account's name and survey settings (a projected ``_id`` look-up); empty when
    the account is gone."""
    found = await Account.get_pymongo_collection().find_one(
        {"_id": account_id}, {"name": 1, "csat": 1}
    )
    return SurveyHeading(name=(found or {}).get("name", ""), csat=(found or {}).get("csat"))


async def set_wallboard_thresholds(account_id: PydanticObjectId, values: dict[str, int]) -> None:
    """The wallboard's colour thresholds (checked by the caller)."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": {"wallboard_thresholds": values}}
    )


# ---- added by widget


# ---- added by routing


async def get_account(account_id: PydanticObjectId) -> Account | None:
    return await Account.get(account_id)


async def account_by_slug_all_accounts(slug: str) -> Account | None:
    """The account with this slug (``demo``). Spans accounts by nature: the slug names one."""
    return await Account.find_one(Account.slug == slug)


# ---- added by rules
async def list_accounts_all_accounts() -> list[Account]:
    """Every account (the centre's tick runs for each; work that spans accounts by nature)."""
    return await Account.find_all().to_list()


# ---- added by api


async def find_account(account_id: PydanticObjectId) -> Account | None:
    """The account with that id, or None (it was deleted)."""
    return await Account.get(account_id)
