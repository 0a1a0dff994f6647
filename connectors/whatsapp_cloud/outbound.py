"""Message bodies for the Graph API's ``/{phone-number-id}/messages`` and its errors."""

from __future__ import annotations

from typing import Any

from connectors.whatsapp_cloud.config import CloudConfig
from hub.contract import (
    JsonObject,
    JsonValue,
    OutboundMessage,
    PermanentSendError,
    QuickReply,
    RetryableSendError,
    render_quick_replies_as_text,
)

#: Graph error codes that may pass later: rate limits, temporary outages.
RETRYABLE_CODES = {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056, 133004}
MEDIA_KINDS = {"image", "video", "audio", "document", "sticker"}
CAPTIONED = {"image", "video", "document"}


def envelope(to: str, kind: str, body: JsonObject) -> JsonObject:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": kind,
        kind: body,
    }


def text(to: str, body: str) -> JsonObject:
    return envelope(to, "text", {"body": body, "preview_url": False})


def template(cfg: CloudConfig, to: str, ref: JsonObject) -> JsonObject:
    name, asked = ref.get("name"), ref.get("language")
    if not name:
        raise PermanentSendError("unknown_template", "a WhatsApp template is sent by its name")
    known = None  # a name or language that is not text names no configured template
    if isinstance(name, str) and (asked is None or isinstance(asked, str)):
        known = cfg.template(name, asked)
    language = asked or (known.language if known else "en_US")
    given = ref.get("variables") or {}
    if isinstance(given, dict) and known and known.variables:
        values = [str(given.get(v, "")) for v in known.variables]
    elif isinstance(given, dict):
        values = [
            str(given[k]) for k in sorted(given, key=lambda k: int(k) if str(k).isdigit() else 0)
        ]
    elif isinstance(given, list | str):
        values = [str(v) for v in given]
    else:
        raise PermanentSendError("invalid_template", "template variables are a list or an object")
    body: JsonObject = {"name": name, "language": {"code": language}}
    if values:
        parameters: list[JsonValue] = [{"type": "text", "text": v} for v in values]
        body["components"] = [{"type": "body", "parameters": parameters}]
    return envelope(to, "template", body)


def interactive(to: str, body: str, replies: list[QuickReply]) -> JsonObject:
    """Buttons for up to three short replies, a list for up to ten, else numbered text."""
    prompt = body or "Choose one"
    if len(replies) <= 3 and all(len(q.title) <= 20 for q in replies):
        buttons: list[JsonValue] = [
            {"type": "reply", "reply": {"id": q.payload, "title": q.title}} for q in replies
        ]
        return envelope(
            to,
            "interactive",
            {"type": "button", "body": {"text": prompt}, "action": {"buttons": buttons}},
        )
    if len(replies) <= 10 and all(len(q.payload) <= 200 for q in replies):
        rows: list[JsonValue] = [{"id": q.payload, "title": q.title[:24]} for q in replies]
        action: JsonObject = {"button": "Options", "sections": [{"title": "Options", "rows": rows}]}
        return envelope(
            to, "interactive", {"type": "list", "body": {"text": prompt}, "action": action}
        )
    return text(to, render_quick_replies_as_text(body, replies))


def media_kind(content_type: str) -> str:
    major = content_type.split("/")[0]
    if content_type == "image/webp":
        return "sticker"
    return major if major in ("image", "video", "audio") else "document"


def media(to: str, kind: str, media_id: str, caption: str, filename: str | None) -> JsonObject:
    body: JsonObject = {"id": media_id}
    if caption and kind in CAPTIONED:
        body["caption"] = caption
    if filename and kind == "document":
        body["filename"] = filename
    return envelope(to, kind, body)


def bodies_for(message: OutboundMessage, cfg: CloudConfig) -> list[JsonObject]:
    """The text-only bodies of a message without attachments (media go through upload)."""
    to = message.to.value
    if message.template is not None:
        return [template(cfg, to, message.template)]
    if message.quick_replies:
        return [interactive(to, message.text, message.quick_replies)]
    return [text(to, message.text)]


def error(status: int, body: Any) -> RetryableSendError | PermanentSendError:
    """A Graph error (``{"error": {message, code, error_data: {details}}}``) as a send error."""
    err = body.get("error", {}) if isinstance(body, dict) else {}
    code = err.get("code")
    text_ = err.get("message") or f"HTTP {status}"
    details = (err.get("error_data") or {}).get("details")
    if details:
        text_ = f"{text_}: {details}"
    if status == 429 or status >= 500 or code in RETRYABLE_CODES:
        return RetryableSendError(str(code or status), text_)
    return PermanentSendError(str(code or status), text_)
