"""The VIP list: an account's normalized address keys (``hub.centre.routing.vip`` makes them)."""

from __future__ import annotations

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from hub.contract import now
from hub.models import VipList


async def addresses(account_id: PydanticObjectId) -> list[str]:
    """The account's VIP address keys (none without a list)."""
    found = await VipList.get_pymongo_collection().find_one({"account_id": account_id})
    return list((found or {}).get("addresses") or [])


async def replace(account_id: PydanticObjectId, keys: list[str]) -> None:
    """Store ``keys`` as the account's whole VIP list (created on first use)."""
    await VipList.get_pymongo_collection().find_one_and_update(
        {"account_id": account_id},
        {"$set": {"addresses": keys}, "$setOnInsert": {"created_at": now()}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
