"""Charsets as mail clients really label them: aliases, tolerant decoding, encoded-word headers."""

from __future__ import annotations

import codecs
from email.errors import HeaderParseError
from email.header import decode_header

#: Labels whose real encoding is a superset of what the label says (what senders mean).
ALIASES: dict[str, str] = {
    "ks_c_5601-1987": "cp949",  # Outlook's Korean; Python maps it to the narrower euc_kr
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "iso-8859-1": "cp1252",  # in practice Windows text labelled latin-1
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "latin1": "cp1252",
    "shift-jis": "cp932",
    "shift_jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "big5": "big5hkscs",
    "x-mac-roman": "mac_roman",
    "unknown-8bit": "latin-1",
    "x-unknown": "latin-1",
    "utf8": "utf-8",
}


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when nobody knows it."""
    if not label:
        return None
    name = ALIASES.get(label.strip().strip('"').lower(), label.strip().strip('"'))
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None) -> str:
    """Decode body bytes: the labelled charset, then UTF-8, then Windows-1252 (never fails)."""
    codec = codec_for(label)
    for candidate in (codec, "utf-8"):
        if candidate is None:
            continue
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    # Mislabelled UTF-8 is nearly always Windows text; a broken multi-byte text keeps its codec.
    fallback = "cp1252" if codec in (None, "utf-8") else codec
    return data.decode(fallback, errors="replace")


def unescape_raw(value: str) -> str:
    """A header value as the parser kept it (8-bit bytes as surrogates) made real text.

    Headers may carry raw UTF-8 (RFC 6532) or, from broken senders, raw Latin-1.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")
    return value


def decode_header_value(raw: str | None) -> str:
    """An RFC 2047 header value as text, with our charset aliases (not Python's)."""
    if raw is None:
        return ""
    try:
        chunks = decode_header(raw)
    except (ValueError, LookupError, HeaderParseError):  # a broken encoded word: keep it raw
        return " ".join(raw.split())
    parts: list[str] = []
    for chunk, label in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif label is None:  # an unencoded run next to encoded words: the library's own form
            parts.append(chunk.decode("raw-unicode-escape", errors="replace"))
        else:
            parts.append(decode_bytes(chunk, label))
    # decode_header keeps the whitespace between plain and encoded runs in the plain
    # chunks, so joining without a separator is right; then fold line breaks.
    return " ".join("".join(parts).split())
