"""JSON as it crosses an edge: a provider's payload, a webhook body, a free-form config.

Use these where the shape is truly free-form (what a provider sends, what an account
stores as its own attributes). Where the hub knows the shape, use a Pydantic model,
a ``TypedDict`` or a dataclass instead.
"""

from __future__ import annotations

from typing import TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = dict[str, JsonValue]

__all__ = ["JsonObject", "JsonValue"]
