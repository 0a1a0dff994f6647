"""Assist's records: the account's setting, translations on messages, the monthly usage."""

from __future__ import annotations

from collections.abc import AsyncIterator

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from hub.contract import now
from hub.models import Account, AssistUsage, Message, Translation
from hub.models.account import AssistSetting

__all__ = [
    "keys_all_accounts",
    "month_usage",
    "record_use",
    "replace_key",
    "set_original",
    "set_setting",
    "set_translation",
]


async def set_setting(account_id: PydanticObjectId, setting: AssistSetting | None) -> None:
    """Store the account's assist setting (its key already sealed); None removes it."""
    value = None if setting is None else setting.model_dump(mode="json")
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": {"assist": value}}
    )


async def keys_all_accounts() -> AsyncIterator[tuple[PydanticObjectId, str]]:
    """Every account's stored (sealed) assist key: ``parley keys rotate`` re-seals them all."""
    found = Account.get_pymongo_collection().find(
        {"assist.api_key": {"$type": "string"}}, {"assist.api_key": 1}
    )
    async for doc in found:
        yield doc["_id"], doc["assist"]["api_key"]


async def replace_key(account_id: PydanticObjectId, was: str, now_sealed: str) -> bool:
    """Set the account's assist key to ``now_sealed`` where it still holds ``was``."""
    done = await Account.get_pymongo_collection().update_one(
        {"_id": account_id, "assist.api_key": was}, {"$set": {"assist.api_key": now_sealed}}
    )
    return bool(done.modified_count)


async def set_translation(
    account_id: PydanticObjectId, message_id: PydanticObjectId, translation: Translation
) -> bool:
    """Store an inbound message's translation; False when the message is gone."""
    done = await Message.get_pymongo_collection().update_one(
        {"_id": message_id, "account_id": account_id},
        {"$set": {"translation": translation.model_dump(mode="json"), "updated_at": now()}},
    )
    return bool(done.matched_count)


async def set_original(
    account_id: PydanticObjectId, message_id: PydanticObjectId, original_text: str
) -> None:
    """Keep the agent's own words of a reply that went out translated."""
    await Message.get_pymongo_collection().update_one(
        {"_id": message_id, "account_id": account_id},
        {"$set": {"original_text": original_text}},
    )


async def record_use(
    account_id: PydanticObjectId,
    month: str,
    feature: str,
    tokens_in: int,
    tokens_out: int,
    estimated: bool,
) -> None:
    """Count one use in the account's month (created on first use)."""
    await AssistUsage.get_pymongo_collection().find_one_and_update(
        {"account_id": account_id, "month": month},
        {
            "$inc": {
                "uses": 1,
                "tokens_in": tokens_in,
                "tokens_out": tokens_out,
                "estimated_uses": 1 if estimated else 0,
                f"by_feature.{feature}": 1,
            },
            "$setOnInsert": {"created_at": now()},
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )


async def month_usage(account_id: PydanticObjectId, month: str) -> AssistUsage:
    """The account's use in ``month`` (``YYYY-MM``); zeros when there was none."""
    found = await AssistUsage.get_pymongo_collection().find_one(
        {"account_id": account_id, "month": month}
    )
    if found is None:
        return AssistUsage(account_id=account_id, month=month)
    usage: AssistUsage = AssistUsage.model_validate(found)
    return usage
