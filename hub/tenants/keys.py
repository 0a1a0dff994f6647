"""API keys of an account: made (shown once), listed, revoked; each change is audited."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.errors import InvalidInput, NotFound
from hub.models import Account, Actor, ApiKey
from hub.store import keys as store
from hub.store.ids import try_id
from hub.tenants import audit
from hub.tenants.auth import create_api_key


async def create_key(
    account: Account, name: str = "default", actor: Actor = audit.SYSTEM, ip: str | None = None
) -> tuple[str, str]:
    """A new key: its id and the key itself, shown this once."""
    assert account.id is not None
    name = name.strip() or "default"
    if len(name) > 80:
        raise InvalidInput("invalid_name", "a key name has at most 80 characters")
    record, key = await create_api_key(account.id, name)
    details = {"name": name, "prefix": record.prefix}
    await audit.record(account.id, actor, "apikey.created", f"apikey:{record.id}", ip, details)
    return str(record.id), key


async def list_keys(account_id: PydanticObjectId) -> list[ApiKey]:
    return await store.list_keys(account_id)


async def revoke_key(
    account: Account, key_id: str | PydanticObjectId, actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> ApiKey:  # fmt: skip
    """Revoke a key of this account; it answers 401 from the next request on."""
    assert account.id is not None
    parsed = try_id(key_id)
    key = None if parsed is None else await store.get_key(account.id, parsed)
    if key is None or key.id is None:
        raise NotFound(f"no API key {key_id} in this account")
    if not key.revoked:
        await store.revoke_key(account.id, key.id)
        key.revoked = True
        details = {"name": key.name, "prefix": key.prefix}
        await audit.record(account.id, actor, "apikey.revoked", f"apikey:{key.id}", ip, details)
    return key
