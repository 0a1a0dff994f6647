"""Bots registered by an account (the chatbot API)."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Bot
from hub.store.paging import page_of

# ---- added by api


async def page_bots(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[Bot], str | None]:
    """A page of the account's bots, oldest first."""
    return await page_of(Bot, {"account_id": account_id}, limit, cursor, descending=False)
