"""Free-form attributes (a contact's ``attributes``): only what BSON stores and queries safely.

Keys are non-empty text without NUL, without a leading ``$`` and without dots
(a dot would be read as a path, a ``$`` as an operator); integers fit in 64
bits; text is valid Unicode (no lone surrogates); nesting stays shallow.
"""

from __future__ import annotations

from typing import Any

INT64 = (-(2**63), 2**63 - 1)
MAX_DEPTH = 8
MAX_KEY_LENGTH = 200


class InvalidAttributes(ValueError):
    """Attributes the hub refuses; the message names the attribute (answered 400)."""


def check_attributes(value: Any, path: str = "attributes", depth: int = 0) -> Any:
    """Return ``value`` unchanged when it is BSON-safe; raise ``InvalidAttributes`` otherwise."""
    if depth > MAX_DEPTH:
        raise InvalidAttributes(f"{path}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_key(key, path)
            check_attributes(item, f"{path}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_attributes(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        pass
    elif isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise InvalidAttributes(f"{path}: the integer does not fit in 64 bits")
    elif isinstance(value, str):
        _check_text(value, path)
    else:
        raise InvalidAttributes(f"{path}: {type(value).__name__} is not a JSON value")
    return value


def _check_key(key: Any, path: str) -> None:
    if not isinstance(key, str) or not key:
        raise InvalidAttributes(f"{path}: keys must be non-empty text")
    _check_text(key, f"{path} key")
    if "\x00" in key:
        raise InvalidAttributes(f"{path}: the key {key!r} contains a NUL character")
    if key.startswith("$"):
        raise InvalidAttributes(f"{path}: the key {key!r} may not start with $")
    if "." in key:
        raise InvalidAttributes(f"{path}: the key {key!r} may not contain a dot")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidAttributes(f"{path}: a key is longer than {MAX_KEY_LENGTH} characters")


def _check_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidAttributes(
            f"{path}: the text has a lone surrogate (not valid Unicode)"
        ) from None
