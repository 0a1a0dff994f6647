"""Reading raw header values of a parsed mail (8-bit bytes as text, folding undone)."""

from __future__ import annotations

import re
from email.message import Message

from .charsets import unescape_raw

_FOLD = re.compile(r"\r?\n[ \t]*")


def header(msg: Message, name: str) -> str | None:
    """The first raw value of a header, or None (raw: our charset aliases decode it)."""
    values = raw_values(msg, name)
    return values[0] if values else None


def raw_values(msg: Message, name: str) -> list[str]:
    """Every raw value of a header, 8-bit bytes turned into text."""
    return [
        _FOLD.sub(" ", unescape_raw(str(v))).strip()
        for k, v in msg.raw_items()
        if k.lower() == name.lower()
    ]
