"""Changing channels: name, default team, activation and config, with secrets write-only.

A connector's ``Config`` model is the single description of its settings: the admin
form is generated from it (``config_fields``) and every save is validated by it. Secret
fields (tokens, passwords, signing keys) are never shown again once saved: a form or a
PATCH that leaves one empty keeps the stored value.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.errors import InvalidInput, NotFound
from hub.models import Account, Actor, Channel, Team
from hub.pipeline.services import Hub
from hub.tenants import accounts, audit
from hub.tenants.accounts import object_id, validate_config

SECRET_NAME = re.compile(r"(token|secret|password|_key)$|^(auth|access)_", re.IGNORECASE)
#: Secrets the business must paste at the provider, so the channel page shows them.
SHOWN = {"verify_token"}


def is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) and name not in SHOWN


@dataclass(frozen=True)
class ConfigField:
    """One input of a channel form, derived from the connector's ``Config`` model."""

    name: str
    label: str
    kind: str  # "text" | "url" | "number" | "checkbox" | "json" | "password"
    required: bool
    help: str
    default: Any


def _kind(prop: dict[str, Any], name: str) -> str:
    types = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
    formats = {prop.get("format")} | {p.get("format") for p in prop.get("anyOf", [])}
    if is_secret(name):
        return "password"
    if types & {"array", "object"} or "$ref" in prop or "items" in prop:
        return "json"
    if "boolean" in types:
        return "checkbox"
    if types & {"integer", "number"}:
        return "number"
    if "uri" in formats:
        return "url"
    return "text"


def _help(prop: dict[str, Any], kind: str) -> str:
    parts = [prop["description"]] if prop.get("description") else []
    patterns = [prop.get("pattern")] + [p.get("pattern") for p in prop.get("anyOf", [])]
    pattern = next((p for p in patterns if p), None)
    if pattern:
        parts.append(f"format: {pattern}")
    if kind == "json":
        parts.append("JSON")
    if kind == "password":
        parts.append("write-only: never shown again once saved")
    return "; ".join(parts)


def config_fields(model: type[BaseModel]) -> list[ConfigField]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kind = _kind(prop, name)
        default = prop.get("default")
        fields.append(
            ConfigField(
                name=name,
                label=prop.get("title") or name.replace("_", " ").capitalize(),
                kind=kind,
                required=name in required,
                help=_help(prop, kind),
                default=None if kind == "password" else default,
            )
        )
    return fields


def config_from_form(fields: list[ConfigField], form: dict[str, str]) -> dict[str, Any]:
    """The config a submitted form means: empty inputs are left out (defaults apply)."""
    config: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = form.get(f"config.{field.name}", "")
        if field.kind == "checkbox":
            config[field.name] = raw in ("on", "true", "1")
            continue
        raw = raw.strip()
        if not raw:
            continue
        if field.kind == "json":
            try:
                config[field.name] = json.loads(raw)
            except ValueError as exc:
                errors[field.name] = f"not valid JSON: {exc}"
        elif field.kind == "number":
            try:
                config[field.name] = int(raw) if raw.lstrip("-").isdigit() else float(raw)
            except ValueError:
                errors[field.name] = "must be a number"
        else:
            config[field.name] = raw
    if errors:
        message = "; ".join(f"config.{k}: {v}" for k, v in errors.items())
        raise InvalidInput("invalid_config", message, fields=errors)
    return config


def public_config(channel: Channel) -> dict[str, Any]:
    """The channel's config without its secrets (``(set)`` marks a stored one)."""
    return {k: ("(set)" if is_secret(k) and v else v) for k, v in channel.config.items()}


async def get_channel(account_id: PydanticObjectId, channel_id: str) -> Channel:
    channel = await Channel.find_one(
        Channel.id == object_id(channel_id, "channel"), Channel.account_id == account_id
    )
    if channel is None:
        raise NotFound(f"no channel {channel_id} in this account")
    return channel


async def list_channels(account_id: PydanticObjectId) -> list[Channel]:
    return await Channel.find(Channel.account_id == account_id).sort("created_at").to_list()


async def check_team(account_id: PydanticObjectId, team_id: str | None) -> None:
    if team_id is None:
        return
    team = await Team.find_one(Team.id == object_id(team_id, "team"), Team.account_id == account_id)
    if team is None:
        raise InvalidInput("unknown_team", f"no team {team_id} in this account", fields={"default_team_id": "not a team of this account"})  # fmt: skip


async def update_channel(
    hub: Hub,
    account: Account,
    channel: Channel,
    changes: dict[str, Any],
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> Channel:
    """Apply ``name``, ``active``, ``default_team_id`` and ``config`` (merged over the stored
    one; empty secrets keep theirs), validated by the connector. Nothing is stored on error."""
    assert account.id is not None
    unknown = set(changes) - {"name", "active", "default_team_id", "config"}
    if unknown:
        raise InvalidInput("invalid_request", f"not a channel field: {', '.join(sorted(unknown))}")
    update: dict[str, Any] = {}
    if "name" in changes:
        name = str(changes["name"]).strip()
        if not 1 <= len(name) <= 80:
            raise InvalidInput("invalid_name", "a channel name is 1-80 characters", fields={"name": "1-80 characters"})  # fmt: skip
        update["name"] = name
    if "active" in changes:
        update["active"] = bool(changes["active"])
    if "default_team_id" in changes:
        team_id = changes["default_team_id"] or None
        await check_team(account.id, team_id)
        update["default_team_id"] = team_id
    changed_keys: list[str] = []
    if changes.get("config") is not None:
        given = {
            k: v for k, v in changes["config"].items() if not (is_secret(k) and v in ("", None))
        }
        # null (an emptied input) removes the setting, so the connector's default applies.
        stored = hub.cipher.open_config(channel.config)  # secrets sealed at rest: open them
        merged = {k: v for k, v in {**stored, **given}.items() if v is not None}
        validated = validate_config(hub, channel.type, merged)
        await accounts.check_base_url(validated)
        changed_keys = sorted(k for k in validated if validated[k] != stored.get(k))
        update["config"] = hub.sealed_config(channel.type, validated)
    update = {k: v for k, v in update.items() if getattr(channel, k) != v}
    if not update:
        return channel
    await Channel.get_pymongo_collection().update_one(
        {"_id": channel.id, "account_id": account.id}, {"$set": update}
    )
    details: dict[str, Any] = {k: v for k, v in update.items() if k != "config"}
    if changed_keys:
        details["config_changed"] = changed_keys
    active = update.get("active")
    action = (
        "channel.updated"
        if active is None
        else ("channel.activated" if active else "channel.deactivated")
    )
    await audit.record(account.id, actor, action, f"channel:{channel.id}", ip, details)
    saved = await get_channel(account.id, str(channel.id))
    await accounts.channel_changed(hub, saved, "removed" if active is False else "changed")
    return await get_channel(account.id, str(channel.id))


def paste_at_provider(hub: Hub, channel: Channel) -> dict[str, Any]:
    """What the business pastes at the provider: the webhook URL, Meta's verify token, the
    widget's embed code. Secrets stay out."""
    info = hub.channel_info(channel)
    described = hub.registry.get(channel.type).describe(info)
    return {"webhook_url": info.webhook_url,
            **{k: v for k, v in described.items() if not is_secret(k)}}  # fmt: skip
