"""Marking the secret fields of a connector's config (stored encrypted, never shown)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

#: Marks a field of a connector's ``Config`` as a secret:
#: ``auth_token: str = Field(min_length=1, json_schema_extra=SECRET)``. The hub stores
#: such fields encrypted, decrypts them when it resolves the channel (a connector
#: always sees plain values in ``ChannelInfo.config``), and never shows them.
SECRET: dict[str, Any] = {"secret": True}


def secret_fields(config: type[BaseModel]) -> tuple[str, ...]:
    """The names of the top-level fields of ``config`` marked with ``SECRET``."""
    found = []
    for name, info in config.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get("secret") is True:
            found.append(name)
    return tuple(found)
