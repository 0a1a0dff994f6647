"""Bots (``bots``): an account's chatbots."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Bot

# ---- added by tenants


async def bots_oldest_first(account_id: PydanticObjectId) -> list[Bot]:
    """The account's bots, oldest first (the admin page)."""
    return await Bot.find(Bot.account_id == account_id).sort("created_at").to_list()
