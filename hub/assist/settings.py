"""The account's assist setting: readiness checks, the agent's language, and saving it.

The setting's one model is ``hub.models.account.AssistSetting`` (as stored) with
``AssistPatch`` (a change) and ``AssistOut`` (as read: ``api_key_set``, never the key).
``configure`` checks the endpoint with the outbound guard, seals the key with the hub's
cipher and audits the change without the key.
"""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId

from hub.assist.client import Endpoint
from hub.assist.errors import AssistError
from hub.errors import InvalidInput
from hub.models import Account, Actor, User
from hub.models.account import (
    ASSIST_FEATURES,
    AssistFeature,
    AssistFeatures,
    AssistPatch,
    AssistSetting,
)
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import Cipher, SecretUnreadable
from hub.pipeline.services import Hub
from hub.store import assist as store
from hub.store.accounts import get_account
from hub.tenants import audit

__all__ = [
    "KEY_FIELD",
    "agent_language",
    "assist_ready",
    "configure",
    "endpoint_of",
    "features_on",
    "reseal_keys",
]

#: The associated data the key is sealed under (it cannot be moved to another field).
KEY_FIELD = "assist.api_key"


def features_on(account: Account) -> set[str]:
    """The features usable now: none when assist is not set or switched off."""
    setting = account.assist
    if setting is None or not setting.enabled:
        return set()
    return {name for name in ASSIST_FEATURES if getattr(setting.features, name)}


def assist_ready(account: Account, feature: AssistFeature) -> AssistSetting:
    """The account's setting when ``feature`` may be used; else ``AssistError`` (409, 403)."""
    setting = account.assist
    if setting is None:
        raise AssistError(
            "assist_not_configured",
            "assist is not set up for this account: set its model endpoint in /admin",
        )
    if not setting.enabled:
        raise AssistError("assist_feature_off", "assist is switched off for this account")
    if not getattr(setting.features, feature):
        raise AssistError("assist_feature_off", f"the assist feature {feature!r} is off")
    return setting


def agent_language(account: Account, user: User | Actor | None) -> str:
    """The language agents read: the account's ``agent_language``, else the agent's own page
    language, else (the hub itself, an API key) the account's default language."""
    setting = account.assist
    if setting is not None and setting.agent_language:
        return setting.agent_language
    if isinstance(user, User) and user.language:
        return user.language
    return account.language or "en"


def endpoint_of(hub: Hub, setting: AssistSetting) -> Endpoint:
    """The endpoint with its key opened for one call (never stored or logged)."""
    try:
        key = hub.cipher.open(KEY_FIELD, setting.api_key) if setting.api_key else None
    except SecretUnreadable:
        raise AssistError(
            "assist_unavailable",
            "the stored API key cannot be opened under this hub's secret key: set it again",
        ) from None
    return Endpoint(setting.base_url, setting.model, key)


async def reseal_keys(cipher: Cipher) -> dict[str, int]:
    """Re-seal every account's assist key under the current secret key (``parley keys
    rotate``), each write conditional on the value it replaces.
    Returns ``{"assist_keys", "unreadable"}``."""
    counts = {"assist_keys": 0, "unreadable": 0}
    async for account_id, sealed in store.keys_all_accounts():
        if not cipher.needs_sealing(sealed):
            continue
        try:
            fresh = cipher.seal(KEY_FIELD, cipher.open(KEY_FIELD, sealed))
        except SecretUnreadable:
            counts["unreadable"] += 1
            continue
        if await store.replace_key(account_id, sealed, fresh):
            counts["assist_keys"] += 1
    return counts


def _merged(hub: Hub, current: AssistSetting | None, patch: AssistPatch) -> AssistSetting:
    given = patch.model_fields_set
    if current is None and (patch.base_url is None or patch.model is None):
        raise InvalidInput(
            "invalid_request", "assist: base_url and model are needed", field="assist.base_url"
        )
    values: dict[str, Any] = (
        current.model_dump() if current is not None else {"base_url": "", "model": ""}
    )
    for name in ("base_url", "model", "enabled"):
        value = getattr(patch, name)
        if name in given and value is None:
            raise InvalidInput("invalid_request", f"assist.{name}: may not be null",
                               field=f"assist.{name}")  # fmt: skip
        if value is not None:
            values[name] = value
    if "agent_language" in given:
        values["agent_language"] = patch.agent_language
    if patch.features:
        values["features"] = {**values.get("features", {}), **patch.features}
    if "api_key" in given:
        values["api_key"] = hub.cipher.seal(KEY_FIELD, patch.api_key) if patch.api_key else None
    values["features"] = AssistFeatures.model_validate(values.get("features") or {})
    return AssistSetting.model_validate(values)


async def configure(
    hub: Hub,
    account: Account,
    patch: AssistPatch | None,
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> Account:
    """Store a change of the setting (None removes it). A base URL the outbound guard
    refuses (a private, loopback or metadata address) is ``OutboundRefused`` (400)."""
    assert account.id is not None
    if patch is None:
        setting = None
        details: dict[str, object] = {"removed": True}
    else:
        setting = _merged(hub, account.assist, patch)
        if patch.base_url is not None:
            try:
                await outbound.check_url_async(setting.base_url)
            except outbound.OutboundRefused as exc:
                raise outbound.OutboundRefused(exc.message, field="assist.base_url") from None
        details = setting.shown().model_dump(mode="json")
        details["api_key_changed"] = "api_key" in patch.model_fields_set
    await store.set_setting(account.id, setting)
    await audit.record(account.id, actor, "account.assist_changed",
                       f"account:{account.id}", ip, details)  # fmt: skip
    return await _reread(account.id)


async def _reread(account_id: PydanticObjectId) -> Account:
    found = await get_account(account_id)
    assert found is not None
    return found
