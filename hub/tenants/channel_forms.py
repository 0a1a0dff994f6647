"""A connector's settings as a form: fields derived from its ``Config`` model, secrets write-only.

A connector's ``Config`` model is the single description of its settings: the admin
form is generated from it (``config_fields``) and every save is validated by it. Secret
fields (tokens, passwords, signing keys) are never shown again once saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from hub.contract import JsonObject, JsonValue
from hub.errors import InvalidInput
from hub.models import Channel

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
    default: JsonValue


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


def config_from_form(fields: list[ConfigField], form: Mapping[str, str]) -> JsonObject:
    """The config a submitted form means: empty inputs are left out (defaults apply)."""
    config: JsonObject = {}
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


def public_config(channel: Channel) -> JsonObject:
    """The channel's config without its secrets (``(set)`` marks a stored one)."""
    return {k: ("(set)" if is_secret(k) and v else v) for k, v in channel.config.items()}
