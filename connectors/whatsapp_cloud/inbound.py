"""Reading Meta's WhatsApp webhooks: signature, batched messages and statuses."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from hub.contract import (
    Address,
    InboundAttachment,
    InboundMessage,
    Location,
    MalformedRequest,
    SignatureError,
    StatusUpdate,
)

MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
STATUS_MAP = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "played": "read",
    "failed": "failed",
}


def check_signature(app_secret: str, body: bytes, header: str | None) -> None:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``."""
    if not header or not header.startswith("sha256="):
        raise SignatureError("X-Hub-Signature-256 is missing")
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header.removeprefix("sha256="), expected):
        raise SignatureError("X-Hub-Signature-256 does not match")


def sign(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def parse(
    body: bytes, phone_number_id: str, graph: str
) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    """Every message and status of this channel's number in one (batched) POST."""
    try:
        data = json.loads(body)
        changes = [c for e in data.get("entry", []) for c in e.get("changes", [])]
        messages: list[InboundMessage] = []
        statuses: list[StatusUpdate] = []
        for change in changes:
            value = change.get("value") or {}
            if change.get("field") != "messages":
                continue
            if str(value.get("metadata", {}).get("phone_number_id")) != phone_number_id:
                continue  # another number of the same app: not this channel's
            names = {
                c.get("wa_id"): c.get("profile", {}).get("name") for c in value.get("contacts", [])
            }
            messages += [_message(m, names, graph) for m in value.get("messages", [])]
            statuses += [s for s in map(_status, value.get("statuses", [])) if s]
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise MalformedRequest(f"unreadable WhatsApp webhook: {exc}") from None
    return messages, statuses


def _when(timestamp: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(timestamp), dt.UTC) if timestamp else None


def _message(m: dict[str, Any], names: dict[str, str | None], graph: str) -> InboundMessage:
    kind = m.get("type", "")
    sender = Address(
        kind="phone", value="+" + str(m["from"]).lstrip("+"), name=names.get(m["from"])
    )
    context = m.get("context") or {}
    found = InboundMessage(
        provider_message_id=m["id"],
        sender=sender,
        reply_to=context.get("id"),
        sent_at=_when(m.get("timestamp")),
        metadata={"type": kind},
    )
    for flag in ("forwarded", "frequently_forwarded"):
        if context.get(flag):
            found.metadata[flag] = True
    if m.get("referral"):
        found.metadata["referral"] = m["referral"]
    READERS.get(kind, _unsupported)(m, found, graph)
    return found


def _text(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    out.text = m["text"]["body"]


def _media(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    item = m[m["type"]]
    out.text = item.get("caption", "")
    out.attachments = [
        InboundAttachment(
            url=f"{graph}/{item['id']}",
            content_type=item.get("mime_type", "application/octet-stream").split(";")[0],
            filename=item.get("filename"),
        )
    ]
    if item.get("voice"):
        out.metadata["voice"] = True


def _location(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    loc = m["location"]
    out.location = Location(
        latitude=float(loc["latitude"]),
        longitude=float(loc["longitude"]),
        name=loc.get("name"),
        address=loc.get("address"),
    )
    out.text = loc.get("name") or loc.get("address") or ""


def _contacts(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    cards = []
    for c in m["contacts"]:
        name = (c.get("name") or {}).get("formatted_name", "")
        phones = ", ".join(p.get("phone", "") for p in c.get("phones", []))
        cards.append(f"{name} {phones}".strip())
    out.text = "\n".join(cards)
    out.metadata["contacts"] = m["contacts"]


def _interactive(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    item = m["interactive"]
    reply = item.get("button_reply") or item.get("list_reply")
    if reply:
        out.payload, out.text = reply["id"], reply.get("title", "")
    elif item.get("type") == "nfm_reply":
        out.text = item["nfm_reply"].get("body", "")
        out.metadata["flow_response"] = item["nfm_reply"].get("response_json")


def _button(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    out.payload, out.text = m["button"].get("payload"), m["button"].get("text", "")


def _reaction(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    reaction = m["reaction"]
    out.text = reaction.get("emoji", "")  # empty: the reaction was removed
    out.reply_to = reaction.get("message_id")
    out.metadata["reaction"] = True


def _unsupported(m: dict[str, Any], out: InboundMessage, graph: str) -> None:
    out.metadata["unsupported"] = True
    if m.get("errors"):
        out.metadata["errors"] = m["errors"]


READERS = {
    "text": _text,
    **dict.fromkeys(MEDIA_TYPES, _media),
    "location": _location,
    "contacts": _contacts,
    "interactive": _interactive,
    "button": _button,
    "reaction": _reaction,
}


def _status(s: dict[str, Any]) -> StatusUpdate | None:
    state = STATUS_MAP.get(s.get("status", ""))
    if state is None:
        return None  # e.g. "deleted", "warning": nothing to move
    error = (s.get("errors") or [{}])[0]
    details = (error.get("error_data") or {}).get("details")
    message = error.get("message") or error.get("title")
    return StatusUpdate(
        provider_message_id=s["id"],
        status=state,
        error_code=str(error["code"]) if error.get("code") is not None else None,
        error_message=f"{message}: {details}" if message and details else message or details,
        at=_when(s.get("timestamp")),
    )
