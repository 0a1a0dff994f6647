"""API keys (``api_keys``): stored as a digest; a presented key is found by its digest."""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.models import ApiKey

#: Revocations made by this process, so its cache of live keys drops them at once
#: (``hub.tenants.auth.KeyCache``; other processes' arrive as change events).
_revocations = 0


def revocations() -> int:
    """How many keys this process has revoked (a cache compares it)."""
    return _revocations


async def insert_key(key: ApiKey) -> ApiKey:
    await key.insert()
    return key


async def live_key_all_accounts(digest: str) -> ApiKey | None:
    """The unrevoked key with this digest: a presented key tells the account (unique index)."""
    return await ApiKey.find_one(ApiKey.digest == digest, ApiKey.revoked == False)  # noqa: E712


async def touch_key(
    account_id: PydanticObjectId, key_id: PydanticObjectId, at: dt.datetime
) -> None:
    await ApiKey.get_pymongo_collection().update_one(
        {"_id": key_id, "account_id": account_id}, {"$set": {"last_used_at": at}}
    )


async def list_keys(account_id: PydanticObjectId) -> list[ApiKey]:
    """The account's keys, oldest first."""
    return await ApiKey.find(ApiKey.account_id == account_id).sort("created_at").to_list()


async def get_key(account_id: PydanticObjectId, key_id: PydanticObjectId) -> ApiKey | None:
    return await ApiKey.find_one(ApiKey.id == key_id, ApiKey.account_id == account_id)


async def revoke_key(account_id: PydanticObjectId, key_id: PydanticObjectId) -> None:
    global _revocations
    _revocations += 1
    await ApiKey.get_pymongo_collection().update_one(
        {"_id": key_id, "account_id": account_id}, {"$set": {"revoked": True}}
    )
