"""Reading untrusted JSON with limits: for the hub's routes and for connectors alike."""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from hub.contract.errors import MalformedRequest

#: Deepest nesting ``read_json`` accepts (objects and arrays); provider payloads use < 10.
MAX_JSON_DEPTH = 64
#: Largest body ``read_json`` accepts by default, in bytes.
MAX_JSON_BYTES = 1024 * 1024
INT64 = (-(2**63), 2**63 - 1)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]")


class JSONRefused(MalformedRequest, ValueError):
    """A body ``read_json`` will not read; ``code`` and ``message`` say why (answered 400/413)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def check_json_depth(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse nesting deeper than ``max_depth`` without parsing (so no recursion limit is hit)."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body))
    if len(brackets) <= max_depth:
        return
    depth = max(accumulate(1 if c in b"[{" else -1 for c in brackets))
    if depth > max_depth:
        raise JSONRefused("too_deep", f"the JSON is nested more than {max_depth} levels deep")


class _TooBig(int):
    """An integer past 64 bits, kept until the walk can name where it is."""


def _int64(text: str) -> int:
    if len(text.lstrip("-")) > 40:  # no field of ours needs that many digits
        raise JSONRefused("invalid_number", f"the integer {text[:30]}… does not fit in 64 bits")
    value = int(text)
    return value if INT64[0] <= value <= INT64[1] else _TooBig(value)


def _check_strings(value: Any, path: str) -> None:
    """No lone surrogates anywhere, no NUL in keys, no integer past 64 bits: what BSON cannot
    store; the refusal names where (``body.first_response_minutes``)."""
    if isinstance(value, _TooBig):
        raise JSONRefused("invalid_number", f"{path}: the integer {value} does not fit in 64 bits")
    if isinstance(value, str):
        _valid_text(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _valid_text(key, path)
            if "\x00" in key:
                raise JSONRefused("invalid_key", f"{path}: a key contains a NUL character")
            _check_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_strings(item, f"{path}[{i}]")


def _valid_text(text: str, path: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONRefused("invalid_string", f"{path}: a string has a lone surrogate") from None


def read_json(
    body: bytes, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse an untrusted JSON body with limits, for routes and connectors alike.

    Refuses (``JSONRefused``, a ``MalformedRequest``) a body over ``max_bytes``
    (status 413), nested deeper than ``max_depth`` (checked before parsing),
    not JSON or not UTF-8, with integers past 64 bits, lone surrogates, or NUL
    in keys, so nothing downstream meets what the database cannot store.
    """
    if len(body) > max_bytes:
        raise JSONRefused("too_large", f"the body is over {max_bytes} bytes", 413)
    check_json_depth(body, max_depth)
    try:
        data = json.loads(body, parse_int=_int64, parse_float=_finite, parse_constant=_no_constant)
    except JSONRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONRefused("malformed_json", f"the body is not JSON: {exc}") from None
    _check_strings(data, "body")
    return data


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONRefused("invalid_number", f"the number {text[:30]} is too large")
    return value


def _no_constant(name: str) -> Any:
    raise JSONRefused("invalid_number", f"{name} is not a JSON number")
