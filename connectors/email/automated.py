"""Telling automated mail apart (RFC 3834; the list headers of RFC 2369 and RFC 2919).

The connector flags such mail ``automated`` (with ``metadata.automated_reason``) and
hands the telling headers to the hub as ``metadata.auto_headers``: the hub's rules for
automatic replies (``hub.centre.automatic.replies``) decide from them.
"""

from __future__ import annotations

from email.message import Message

from .headers import header

#: Mailing-list headers (RFC 2369, RFC 2919): mail from a list is never answered automatically.
LIST_HEADERS = (
    "List-Id", "List-Unsubscribe", "List-Post", "List-Help", "List-Subscribe", "List-Owner",
    "List-Archive",
)  # fmt: skip
AUTO_HEADERS = (
    "Auto-Submitted", "Precedence", "X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress",
    "Return-Path", *LIST_HEADERS,
)  # fmt: skip


def automated_reason(msg: Message, envelope_from: str | None, report: bool) -> str | None:
    """Why a mail must never be answered automatically (RFC 3834 and practice), or None."""
    auto = (header(msg, "Auto-Submitted") or "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto}"
    precedence = (header(msg, "Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond"):
        value = (header(msg, name) or "").strip().lower()
        if value:
            return f"{name.lower()}: {value}"
    if envelope_from == "" or (header(msg, "Return-Path") or "").strip() == "<>":
        return "null return path"
    if report or msg.get_content_type() == "multipart/report":
        return "delivery report"
    if any(header(msg, name) for name in LIST_HEADERS):
        return "mailing list"
    return None


def auto_headers(msg: Message, envelope_from: str | None) -> dict[str, str]:
    """The headers that tell automated mail apart, for the hub's automatic-reply rules
    (RFC 3834; RFC 2369 and 2919 list headers), and the envelope sender when known."""
    found = {name.lower(): (header(msg, name) or "").strip()[:500] for name in AUTO_HEADERS}
    if envelope_from is not None:
        found["envelope-from"] = envelope_from
    return {k: v for k, v in found.items() if v or k == "envelope-from"}
