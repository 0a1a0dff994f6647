"""An account's channels."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Channel
from hub.store.paging import page_of

# ---- added by api


async def page_channels(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[Channel], str | None]:
    """A page of the account's channels, oldest first."""
    return await page_of(Channel, {"account_id": account_id}, limit, cursor, descending=False)
