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
    #: "text" | "url" | "number" | "checkbox" | "password" | "select" (one of ``options``) |
    #: "choices" (any of ``options``) | "lines" (a list of texts, one a line) | "colour" |
    #: "localized" (a text, or JSON per language) | "json" (anything else)
    kind: str
    required: bool
    help: str
    default: JsonValue
    options: tuple[str, ...] = ()


def _variants(prop: dict[str, Any]) -> list[dict[str, Any]]:
    return [prop, *prop.get("anyOf", [])]


def _kind(prop: dict[str, Any], name: str) -> tuple[str, tuple[str, ...]]:
    """The input a property gets, and the values it offers (for a select or choices)."""
    variants = _variants(prop)
    types = {p.get("type") for p in variants}
    formats = {p.get("format") for p in variants}
    items: dict[str, Any] = next(
        (p["items"] for p in variants if isinstance(p.get("items"), dict)), {}
    )
    enum = next((tuple(p["enum"]) for p in variants if p.get("enum")), ())
    if is_secret(name):
        return "password", ()
    if "array" in types and items.get("enum"):
        return "choices", tuple(items["enum"])
    if "array" in types and items.get("type") == "string":
        return "lines", ()
    if {"string", "object"} <= types:
        return "localized", ()
    if types & {"array", "object"} or any("$ref" in p or "items" in p for p in variants):
        return "json", ()
    if enum:
        return "select", enum
    if "boolean" in types:
        return "checkbox", ()
    if types & {"integer", "number"}:
        return "number", ()
    if "uri" in formats:
        return "url", ()
    if name in ("colour", "color"):
        return "colour", ()
    return "text", ()


def _help(prop: dict[str, Any], kind: str) -> str:
    parts = [prop["description"]] if prop.get("description") else []
    patterns = [prop.get("pattern")] + [p.get("pattern") for p in prop.get("anyOf", [])]
    pattern = next((p for p in patterns if p), None)
    if pattern:
        parts.append(f"format: {pattern}")
    if kind in ("json", "localized"):
        parts.append("JSON")
    return "; ".join(parts)


def config_fields(model: type[BaseModel]) -> list[ConfigField]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    fields = []
    for name, prop in schema.get("properties", {}).items():
        kind, options = _kind(prop, name)
        default = prop.get("default")
        fields.append(
            ConfigField(
                name=name,
                label=prop.get("title") or name.replace("_", " ").capitalize(),
                kind=kind,
                required=name in required,
                help=_help(prop, kind),
                default=None if kind == "password" else default,
                options=options,
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
        if field.kind == "choices":
            if f"config.{field.name}" in form:  # the form had the boxes (none ticked is a choice)
                config[field.name] = [o for o in field.options if form.get(_box(field, o))]
            continue
        raw = raw.strip()
        if not raw:
            continue
        if field.kind == "lines":
            config[field.name] = [line.strip() for line in raw.splitlines() if line.strip()]
        elif field.kind == "json" or (field.kind == "localized" and raw.startswith("{")):
            try:
                config[field.name] = json.loads(raw)
            except ValueError:
                errors[field.name] = "this is not JSON: check the quotes, commas and brackets"
        elif field.kind == "number":
            try:
                config[field.name] = int(raw) if raw.lstrip("-").isdigit() else float(raw)
            except ValueError:
                errors[field.name] = "must be a number"
        else:
            config[field.name] = raw
    if errors:
        message = "; ".join(f"{k}: {v}" for k, v in errors.items())
        raise InvalidInput("invalid_config", message, fields=errors)
    return config


def _box(field: ConfigField, option: str) -> str:
    return f"config.{field.name}.{option}"


def form_values(fields: list[ConfigField], config: Mapping[str, Any]) -> dict[str, Any]:
    """What each input shows for a stored config (a field missing from it: its default).

    Secrets never go back to the page; lists are one item a line; choices stay a list."""
    out: dict[str, Any] = {}
    for field in fields:
        value = config.get(field.name, field.default)
        if field.kind == "password":
            out[field.name] = ""
        elif field.kind == "choices":
            out[field.name] = list(value) if isinstance(value, list) else []
        elif field.kind == "lines" and isinstance(value, list):
            out[field.name] = "\n".join(str(v) for v in value)
        elif isinstance(value, (list, dict)):
            out[field.name] = json.dumps(value, indent=1, ensure_ascii=False) if value else ""
        elif field.kind == "checkbox":
            out[field.name] = bool(value)
        else:
            out[field.name] = "" if value is None else value
    return out


def submitted_values(fields: list[ConfigField], form: Mapping[str, str]) -> dict[str, Any]:
    """What each input shows again after a refused submission: what was typed or ticked."""
    out: dict[str, Any] = {}
    for field in fields:
        if field.kind == "choices":
            out[field.name] = [o for o in field.options if form.get(_box(field, o))]
        elif field.kind == "checkbox":
            out[field.name] = form.get(f"config.{field.name}", "") in ("on", "true", "1")
        elif field.kind != "password":
            out[field.name] = form.get(f"config.{field.name}", "")
    return out


def white_contrast(colour: str) -> float | None:
    """The WCAG contrast ratio of white text on ``#rrggbb`` (None for anything else)."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        return None

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return round(1.05 / (luminance + 0.05), 1)


def public_config(channel: Channel) -> JsonObject:
    """The channel's config without its secrets (``(set)`` marks a stored one)."""
    return {k: ("(set)" if is_secret(k) and v else v) for k, v in channel.config.items()}
