"""Channels: made (validated, with their activation fee), changed (name, default team,
activation, config with secrets write-only), and told to their connector.

A connector's ``Config`` model is the single description of its settings
(``hub.tenants.channel_forms``): every save is validated by it. Secret fields are never
shown again once saved: a form or a PATCH that leaves one empty keeps the stored value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TypedDict, cast

from beanie import PydanticObjectId
from pydantic import ValidationError

from hub.contract import ChannelChange, ConnectorError, JsonObject, host_fields
from hub.errors import InvalidInput, NotFound
from hub.models import Account, Actor, Channel
from hub.pipeline import outbound
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub
from hub.store import channels as store
from hub.store import teams as team_store
from hub.store.channels import ChannelFields
from hub.store.ids import try_id
from hub.tenants import audit, charges, plans
from hub.tenants.channel_forms import (
    ConfigField,
    config_fields,
    config_from_form,
    is_secret,
    public_config,
)

__all__ = [
    "ChannelChanges",
    "ConfigField",
    "channel_changed",
    "check_base_url",
    "check_team",
    "config_fields",
    "config_from_form",
    "create_channel",
    "get_channel",
    "is_secret",
    "list_channels",
    "paste_at_provider",
    "public_config",
    "update_channel",
    "validate_config",
]

log = logging.getLogger(__name__)


class ChannelChanges(TypedDict, total=False):
    """What ``update_channel`` accepts (``config`` is merged over the stored one)."""

    name: str
    active: bool
    default_team_id: str | None
    config: JsonObject | None


# --------------------------------------------------------------------------- making one


def _config_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        field = loc[0] if loc else "config"
        inner = ".".join(loc[1:])
        msg = str(err["msg"]).removeprefix("Value error, ")
        fields.setdefault(field, f"{inner}: {msg}" if inner else msg)
    return fields


def validate_config(hub: Hub, type: str, config: JsonObject) -> JsonObject:
    """The connector's validated config; ``InvalidInput`` naming each bad field otherwise."""
    try:
        connector = hub.registry.get(type)
    except UnknownConnector as exc:
        raise InvalidInput(
            "unknown_channel_type", f"{exc}; installed: {hub.registry.types()}"
        ) from None
    try:
        validated: JsonObject = connector.validate_config(config)
    except ValidationError as exc:
        fields = _config_errors(exc)
        message = "; ".join(f"config.{k}: {v}" for k, v in fields.items())
        raise InvalidInput("invalid_config", message, fields=fields) from None
    except ValueError as exc:
        raise InvalidInput("invalid_config", str(exc)) from None
    return validated


async def check_base_url(config: JsonObject, hosts: Mapping[str, str] | None = None) -> None:
    """A connector's ``api_base_url`` and its host fields (``hub.contract.outbound_host``, with
    their ports) are account-supplied: they may not point inside."""
    url = config.get("api_base_url")
    if url:
        try:
            await outbound.check_url_async(str(url))
        except outbound.OutboundRefused as exc:
            raise InvalidInput(
                "outbound_refused", f"api_base_url: {exc.message}", field="api_base_url"
            ) from None
    for field, port_field in (hosts or {}).items():
        host, port = config.get(field), config.get(port_field)
        if not host:
            continue
        try:
            await outbound.check_host_async(str(host), int(port) if isinstance(port, int) else 0)
        except outbound.OutboundRefused as exc:
            raise InvalidInput("outbound_refused", f"{field}: {exc.message}", field=field) from None


def config_hosts(hub: Hub, type: str) -> dict[str, str]:
    """The connector's host fields and their port fields."""
    return host_fields(hub.registry.get(type).Config)


async def create_channel(
    hub: Hub,
    account: Account,
    type: str,
    name: str,
    config: JsonObject,
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
    default_team_id: str | None = None,
) -> tuple[Channel, JsonObject]:
    """Validate the connector config, store the channel with its activation fee (one transaction).

    The connector's secret fields are stored sealed (``hub.pipeline.channel_secrets``).
    Returns the channel, its secrets opened in memory (never save it), and the
    extra fields to show once (webhook URL, embed, secrets).
    """
    assert account.id is not None
    name = name.strip()
    if not 1 <= len(name) <= 80 or any(c in name for c in "\r\n\x00"):
        raise InvalidInput(
            "invalid_name", "a channel name is 1-80 characters", fields={"name": "1-80 characters"}
        )
    validated = validate_config(hub, type, config)
    await check_base_url(validated, config_hosts(hub, type))
    channel = Channel(
        id=PydanticObjectId(),
        account_id=account.id,
        type=type,
        name=name,
        config=hub.sealed_config(type, validated),
        default_team_id=default_team_id,
    )
    # The provider hears of it first: one that refuses the channel leaves nothing stored.
    await channel_changed(hub, channel, "added")
    details: JsonObject = {"channel_id": str(channel.id), "type": type, "name": name}
    fee = charges.one_off(
        account.id, "channel_activation", plans.CHANNEL_ACTIVATION_FEE_EUR, details
    )
    await store.insert_with_fee(channel, fee)
    await audit.record(account.id, actor, "channel.created", f"channel:{channel.id}", ip,
                       {"type": type, "name": name})  # fmt: skip
    info = hub.channel_info(channel)
    connector = hub.registry.get(type)
    # The caller gets the channel as the pipeline sees it (secrets open, in memory only).
    return hub.opened(channel), {"webhook_url": info.webhook_url, **connector.describe(info)}


async def channel_changed(hub: Hub, channel: Channel, change: ChannelChange) -> None:
    """Tell the channel's connector that it was added, changed or removed; call after saving.

    Every place that saves a channel calls this (create here; update, activate and
    deactivate in the admin pages and the API). It drops this process's cached copy at
    once (other processes drop theirs on the change event) and runs the connector's
    ``channel_changed`` hook, which may call the provider. A ``ConnectorError`` from
    the hook on ``added`` or ``changed`` is raised as ``InvalidInput`` (field ``config``):
    the caller takes its change back. On ``removed`` it is only logged: the channel
    is gone from the hub whatever the provider says.
    """
    hub.channels.forget(channel.id)
    try:
        connector = hub.registry.get(channel.type)
    except UnknownConnector:
        return
    try:
        await connector.channel_changed(hub.channels.info(channel), change)
    except ConnectorError as exc:
        if change == "removed":
            log.warning("connector %s on removing channel %s: %s", channel.type, channel.id, exc)
            return
        raise InvalidInput(
            "provider_refused", str(exc) or "the provider refused the channel", field="config"
        ) from None


# --------------------------------------------------------------------------- reading and changing


async def get_channel(account_id: PydanticObjectId, channel_id: str | PydanticObjectId) -> Channel:
    parsed = try_id(channel_id)
    channel = None if parsed is None else await store.get_channel(account_id, parsed)
    if channel is None:
        raise NotFound(f"no channel {channel_id} in this account")
    return channel


async def list_channels(account_id: PydanticObjectId) -> list[Channel]:
    return await store.channels_oldest_first(account_id)


async def check_team(account_id: PydanticObjectId, team_id: str | None) -> None:
    if team_id is None:
        return
    parsed = try_id(team_id)
    if parsed is None:
        raise NotFound(f"no team {team_id}")
    if await team_store.team_in_account(account_id, parsed) is None:
        raise InvalidInput("unknown_team", f"no team {team_id} in this account", fields={"default_team_id": "not a team of this account"})  # fmt: skip


async def update_channel(
    hub: Hub,
    account: Account,
    channel: Channel,
    changes: Mapping[str, object],
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> Channel:
    """Apply ``name``, ``active``, ``default_team_id`` and ``config`` (merged over the stored
    one; empty secrets keep theirs), validated by the connector. Nothing is stored on error.

    ``changes`` is a ``ChannelChanges``; unknown fields are refused."""
    assert account.id is not None and channel.id is not None
    unknown = set(changes) - set(ChannelChanges.__annotations__)
    if unknown:
        raise InvalidInput("invalid_request", f"not a channel field: {', '.join(sorted(unknown))}")
    update = ChannelFields()
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not 1 <= len(name) <= 80 or any(c in name for c in "\r\n\x00"):
            raise InvalidInput("invalid_name", "a channel name is 1-80 characters", fields={"name": "1-80 characters"})  # fmt: skip
        update["name"] = name
    if "active" in changes:
        update["active"] = bool(changes["active"])
    if "default_team_id" in changes:
        team_id = str(changes["default_team_id"]) if changes["default_team_id"] else None
        await check_team(account.id, team_id)
        update["default_team_id"] = team_id
    changed_keys: list[str] = []
    given_config = changes.get("config")
    if isinstance(given_config, Mapping):
        given = {k: v for k, v in given_config.items() if not (is_secret(k) and v in ("", None))}
        # null (an emptied input) removes the setting, so the connector's default applies.
        stored = hub.cipher.open_config(channel.config)  # secrets sealed at rest: open them
        merged = {k: v for k, v in {**stored, **given}.items() if v is not None}
        validated = validate_config(hub, channel.type, merged)
        await check_base_url(validated, config_hosts(hub, channel.type))
        changed_keys = sorted(k for k in validated if validated[k] != stored.get(k))
        update["config"] = hub.sealed_config(channel.type, validated)
    update = cast(ChannelFields, {k: v for k, v in update.items() if getattr(channel, k) != v})
    if not update:
        return channel
    await store.set_fields(account.id, channel.id, update)
    details: dict[str, object] = {k: v for k, v in update.items() if k != "config"}
    if changed_keys:
        details["config_changed"] = changed_keys
    active = update.get("active")
    action = (
        "channel.updated"
        if active is None
        else ("channel.activated" if active else "channel.deactivated")
    )
    await audit.record(account.id, actor, action, f"channel:{channel.id}", ip, details)
    saved = await get_channel(account.id, channel.id)
    await channel_changed(hub, saved, "removed" if active is False else "changed")
    return await get_channel(account.id, channel.id)


def paste_at_provider(hub: Hub, channel: Channel) -> JsonObject:
    """What the business pastes at the provider: the webhook URL (only for a connector that
    reads webhooks; a web chat or a mailbox has none), Meta's verify token, the widget's
    embed code. Secrets stay out."""
    info = hub.channel_info(channel)
    connector = hub.registry.get(channel.type)
    described = connector.describe(info)
    return {**({"webhook_url": info.webhook_url} if connector.capabilities.webhooks else {}),
            **{k: v for k, v in described.items() if not is_secret(k)}}  # fmt: skip
