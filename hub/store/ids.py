"""The hub's one id type (``PydanticObjectId``) and the one place a string becomes one.

Ids are strings only at the edges (JSON, forms, URLs, connector payloads). An edge parses
each id once, with ``parse_id`` (an id that cannot exist is simply not found: 404) or
``parse_ref`` (an id given as a reference to something else, e.g. a ``team_id`` in a body,
is refused as input: 400 naming the field). Inside the hub every id is a ``PydanticObjectId``.
"""

from __future__ import annotations

from beanie import PydanticObjectId
from bson.errors import InvalidId

from hub.errors import InvalidInput, NotFound

Id = PydanticObjectId

__all__ = ["Id", "parse_id", "parse_optional_ref", "parse_ref", "try_id"]


def try_id(value: object) -> PydanticObjectId | None:
    """``value`` as an id, or None when it cannot be one."""
    if isinstance(value, PydanticObjectId):
        return value
    try:
        return PydanticObjectId(value)  # type: ignore[arg-type]
    except (InvalidId, TypeError, ValueError):
        return None


def parse_id(value: object, what: str = "") -> PydanticObjectId:
    """The id in a URL or a lookup: ``NotFound`` when it cannot be one (nothing has it)."""
    parsed = try_id(value)
    if parsed is None:
        raise NotFound(f"{what} {value!r}".strip())
    return parsed


def parse_ref(value: object, field: str) -> PydanticObjectId:
    """An id given in a body as a reference (``team_id``…): ``InvalidInput`` naming ``field``."""
    parsed = try_id(value)
    if parsed is None:
        raise InvalidInput("invalid_id", f"{field}: {value!r} is not an id", field=field)
    return parsed


def parse_optional_ref(value: object, field: str) -> PydanticObjectId | None:
    """``parse_ref`` where an empty value (None, "") means none."""
    if value is None or value == "":
        return None
    return parse_ref(value, field)


# ---- added by widget
def is_id(value: object) -> bool:
    """Whether ``value`` is an id object (the driver's ``ObjectId`` or a ``PydanticObjectId``),
    for code that turns stored values into JSON without importing the driver."""
    from bson import ObjectId

    return isinstance(value, ObjectId)
