"""A process keeps the live API keys it has seen (``hub.tenants.auth.KeyCache``), so a
request does not read its key again; a revoked or changed key is dropped at once."""

from __future__ import annotations

import httpx

from hub.models import ApiKey
from hub.tenants import keys
from tests.conftest import Tenant
from tests.core.helpers import wait_for


async def _status(client: httpx.AsyncClient, tenant: Tenant) -> int:
    return (await client.get("/api/v1/channels", headers=tenant.auth)).status_code


async def test_a_key_revoked_in_this_process_is_refused_at_once(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert await _status(client, tenant) == 200  # the key is cached now
    record = await ApiKey.find_one(ApiKey.account_id == tenant.account.id)
    assert record is not None and record.id is not None
    await keys.revoke_key(tenant.account, record.id)
    assert await _status(client, tenant) == 401  # no wait for the change stream


async def test_a_key_revoked_elsewhere_is_dropped_by_its_change_event(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert await _status(client, tenant) == 200
    # Another process revokes it: only the change stream tells this one.
    await ApiKey.get_pymongo_collection().update_one(
        {"account_id": tenant.account.id}, {"$set": {"revoked": True}}
    )

    async def refused() -> bool:
        return await _status(client, tenant) == 401

    await wait_for(refused, "the revoked key refused")
