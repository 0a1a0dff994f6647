"""Raw MIME mail to the hub's neutral events: one ``InboundMessage`` (and a status for a bounce).

Parsing uses the standard library (``BytesParser`` with ``policy.default``)
and walks the MIME tree itself, so that any charset label (through
``charsets``), nested multiparts, inline ``cid:`` images, forwarded
``message/rfc822`` parts and delivery reports (RFC 3464) come out right.
The Message-ID, without its angle brackets, is the provider message id; the
References and In-Reply-To ids are the thread references the hub joins on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from hub.contract import (
    Address,
    ChannelInfo,
    InboundAttachment,
    InboundMessage,
    MalformedRequest,
    StatusUpdate,
    WebhookResult,
)

from .automated import auto_headers, automated_reason
from .charsets import decode_bytes, decode_header_value, unescape_raw
from .headers import header, raw_values
from .quotes import fold_text, split_html
from .sanitize import clean_html, html_to_text, remote_images

MAX_ATTACHMENTS = 100
MAX_REFS = 100
#: Characters of text and of raw HTML kept on the message (see ``_content``).
MAX_TEXT = 1_000_000
MAX_HTML = 2_000_000
_MSGID = re.compile(r"<([^<>\s]+)>")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass
class _Walk:
    """What the walk over the MIME tree collected."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[InboundAttachment] = field(default_factory=list)
    dsn: dict[str, str] = field(default_factory=dict)
    original_message_id: str | None = None
    report: bool = False
    skipped: list[str] = field(default_factory=list)


def parse_mail(raw: bytes, envelope_from: str | None = None) -> WebhookResult:
    """Parse one raw message; ``envelope_from`` is SMTP's MAIL FROM ("" for ``<>``)."""
    if not raw.strip():
        raise MalformedRequest("the message is empty")
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    if not any(True for _ in msg.raw_items()):
        raise MalformedRequest("the message has no headers")
    walk = _Walk()
    _walk(msg, walk)
    message = _inbound(msg, raw, walk, envelope_from)
    statuses = _bounce_status(walk) if message.automated else []
    if statuses:
        # A bounce of a mail we sent belongs with that mail (its delivery state and error),
        # not in the queue as a new conversation from the mailer daemon.
        return WebhookResult(messages=[], statuses=statuses)
    return WebhookResult(messages=[message], statuses=statuses)


# --------------------------------------------------------------------------- headers


def message_ids(value: str | None) -> list[str]:
    """Message ids of a header, without brackets; tolerant of commas and junk between them."""
    if not value:
        return []
    found = _MSGID.findall(value)
    if not found and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return list(dict.fromkeys(found))


def addresses(msg: Message, name: str) -> list[Address]:
    found: list[Address] = []
    for display, addr in getaddresses(raw_values(msg, name)):
        addr = addr.strip()
        if "@" in addr:
            found.append(
                Address(kind="email", value=addr, name=decode_header_value(display) or None)
            )
    return found


def _formatted(items: list[Address]) -> list[str]:
    return [f"{a.name} <{a.value}>" if a.name else a.value for a in items]


# --------------------------------------------------------------------------- body


def _walk(part: Message, out: _Walk) -> None:
    if part.is_multipart() and not part.get_content_type().startswith("message/"):
        out.report = out.report or part.get_content_type() == "multipart/report"
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(sub, out)
        return
    try:
        _leaf(part, out)
    except (MessageError, ValueError, LookupError, TypeError) as exc:
        # One unreadable part (a broken header or encoding) must not cost the whole mail.
        out.skipped.append(f"{part.get_content_type()}: {exc}"[:200])


def _leaf(part: Message, out: _Walk) -> None:
    ctype = part.get_content_type()
    if ctype in ("message/rfc822", "message/global"):
        _attach_message(part, out)
    elif ctype in ("message/delivery-status", "message/global-delivery-status"):
        out.dsn.update(_delivery_status(part))
    elif ctype == "text/rfc822-headers":
        out.original_message_id = _first_id_in(_payload(part)) or out.original_message_id
        _attach(part, out, "original-headers.txt")
    elif ctype in ("text/plain", "text/html") and not _is_attachment(part):
        text = decode_bytes(_payload(part), part.get_content_charset())
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        (out.plain if ctype == "text/plain" else out.html).append(text)
    else:
        _attach(part, out)


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(part.get_payload()).encode("utf-8", "surrogateescape")


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or bool(_filename(part))


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, MessageError):
        return None
    if not name:
        return None
    name = unescape_raw(name)
    if "=?" in name:  # RFC 2047 inside a parameter: not standard, but Outlook and others do it
        name = decode_header_value(name)
    name = _UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" ._")
    return name[:200] or None


def _attach(part: Message, out: _Walk, default_name: str | None = None) -> None:
    if len(out.attachments) >= MAX_ATTACHMENTS:
        return
    data = _payload(part)
    if not data:
        return
    cid = message_ids(header(part, "Content-ID"))
    out.attachments.append(
        InboundAttachment(
            filename=_filename(part) or default_name,
            content_type=part.get_content_type(),
            data=data,
            content_id=cid[0] if cid else None,
        )
    )


def _attach_message(part: Message, out: _Walk) -> None:
    """A forwarded or returned message: kept whole as an ``.eml`` attachment."""
    inner = part.get_payload()
    inner_msg = inner[0] if isinstance(inner, list) and inner else None
    if not isinstance(inner_msg, Message):
        return
    data = inner_msg.as_bytes(policy=policy.SMTP)
    subject = decode_header_value(header(inner_msg, "Subject")) or "message"
    out.original_message_id = out.original_message_id or next(
        iter(message_ids(header(inner_msg, "Message-ID"))), None
    )
    if len(out.attachments) < MAX_ATTACHMENTS:
        out.attachments.append(
            InboundAttachment(
                filename=(_UNSAFE_NAME.sub("_", subject)[:120] or "message") + ".eml",
                content_type="message/rfc822",
                data=data,
            )
        )


def _first_id_in(block: bytes) -> str | None:
    match = re.search(rb"^Message-ID:\s*<([^<>\s]+)>", block, re.IGNORECASE | re.MULTILINE)
    return match.group(1).decode("ascii", "replace") if match else None


def _delivery_status(part: Message) -> dict[str, str]:
    """Action, Status, Final-Recipient and Diagnostic-Code of a DSN's first recipient."""
    blocks = part.get_payload()
    fields: dict[str, str] = {}
    if isinstance(blocks, list):
        for block in blocks:
            if isinstance(block, Message):
                for key, value in block.raw_items():
                    fields.setdefault(key.lower(), " ".join(unescape_raw(str(value)).split()))
    wanted = ("action", "status", "final-recipient", "diagnostic-code")
    return {key: fields[key] for key in wanted if key in fields}


# --------------------------------------------------------------------------- assembly


def _inbound(
    msg: EmailMessage, raw: bytes, walk: _Walk, envelope_from: str | None
) -> InboundMessage:
    sender = _sender(msg, envelope_from)
    ids = message_ids(header(msg, "Message-ID"))
    # No Message-ID (rare, but legal): a digest of the bytes keeps redelivery idempotent.
    provider_id = ids[0] if ids else f"{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id"
    in_reply_to = message_ids(header(msg, "In-Reply-To"))
    refs = list(dict.fromkeys(message_ids(header(msg, "References")) + in_reply_to))
    if len(refs) > MAX_REFS:  # the thread's root and its latest mails are what matter
        refs = [refs[0], *refs[-(MAX_REFS - 1) :]]
    subject = decode_header_value(header(msg, "Subject")) or None
    metadata = _header_metadata(msg, sender, provider_id, subject)
    text, html = _content(walk, metadata)
    reason = automated_reason(msg, envelope_from, walk.report)
    metadata.update(
        automated_reason=reason,
        dsn=walk.dsn,
        unreadable_parts=walk.skipped[:20],
        original_message_id=walk.original_message_id if reason else None,
        auto_headers=auto_headers(msg, envelope_from),
    )
    return InboundMessage(
        provider_message_id=provider_id[:998],
        sender=sender,
        text=text,
        html=html,
        subject=subject,
        attachments=walk.attachments,
        reply_to=in_reply_to[0] if in_reply_to else None,
        thread_refs=refs,
        automated=reason is not None,
        metadata={k: v for k, v in metadata.items() if v not in (None, [], {}, "")},
    )


def _header_metadata(
    msg: Message, sender: Address, provider_id: str, subject: str | None
) -> dict[str, Any]:
    """The headers kept with the message for the inbox (empty ones are dropped later)."""
    reply_to = addresses(msg, "Reply-To")
    return {
        "message_id": provider_id,
        "from": _formatted([sender])[0],
        "to": _formatted(addresses(msg, "To")),
        "cc": _formatted(addresses(msg, "Cc")),
        "subject": subject,
        "date": header(msg, "Date"),
        "reply_to_address": reply_to[0].value if reply_to else None,
        # Recorded, not trusted: only the MX in front of Parley can vouch for these.
        "authentication_results": header(msg, "Authentication-Results"),
        "list_id": header(msg, "List-Id"),
    }


def _sender(msg: Message, envelope_from: str | None) -> Address:
    found = addresses(msg, "From") or addresses(msg, "Sender")
    if found:
        return found[0]
    if envelope_from and "@" in envelope_from:
        return Address(kind="email", value=envelope_from)
    raise MalformedRequest("the message has no From address")


def _content(walk: _Walk, metadata: dict[str, Any]) -> tuple[str, str | None]:
    """New text and sanitized HTML; the quoted history goes into ``metadata``.

    Bodies are capped (a stored message must stay far below MongoDB's 16 MB
    document limit, or a huge mail would be refused with 451 forever); the
    attachments carry the rest. A capped body is flagged ``metadata.truncated``.
    """
    html: str | None = None
    quoted_html = ""
    if walk.html:
        new_raw, quoted_raw = split_html(_capped("".join(walk.html), MAX_HTML, metadata))
        html = clean_html(new_raw)
        quoted_html = clean_html(quoted_raw) if quoted_raw else ""
        images = remote_images(html + quoted_html)
        if images:
            metadata["remote_images"] = images[:50]
        if quoted_html:
            metadata["quoted_html"] = quoted_html
    if walk.plain:
        plain = _capped("\n\n".join(p.rstrip() for p in walk.plain), MAX_TEXT, metadata)
        folded = fold_text(plain)
        text, quoted = folded.text, folded.quoted
    else:
        text = html_to_text(html or "")
        quoted = html_to_text(quoted_html) if quoted_html else ""
    if quoted:
        metadata["quoted_text"] = quoted
    return text, html or None


def _capped(body: str, limit: int, metadata: dict[str, Any]) -> str:
    if len(body) <= limit:
        return body
    metadata["truncated"] = True
    return body[:limit]


def _bounce_status(walk: _Walk) -> list[StatusUpdate]:
    """A failed-delivery report about a mail we sent, as that mail's status."""
    if walk.dsn.get("action", "").lower() != "failed" or not walk.original_message_id:
        return []
    return [
        StatusUpdate(
            provider_message_id=walk.original_message_id,
            status="undelivered",
            error_code=walk.dsn.get("status", "bounce"),
            error_message=walk.dsn.get("diagnostic-code")
            or f"bounced for {walk.dsn.get('final-recipient', 'the recipient')}",
            metadata={"bounce": dict(walk.dsn)},
        )
    ]


def parse_for_channel(
    raw: bytes, channel: ChannelInfo, envelope_from: str | None = None
) -> WebhookResult:
    """``parse_mail``, then what only the receiving channel can tell.

    Bounce statuses are kept only for Message-IDs this channel could have made
    (ours end in the channel address's domain: ``send.compose``); a forged report
    about anything else would only leave noise. Mail *from* the channel's own
    address (our reply forwarded back to us) is flagged automated, so nothing
    answers it and no loop starts.
    """
    result = parse_mail(raw, envelope_from)
    address = str(channel.config.get("address", "")).lower()
    domain = "@" + address.rpartition("@")[2]
    result.statuses = [s for s in result.statuses if s.provider_message_id.lower().endswith(domain)]
    for message in result.messages:
        if message.sender.value.lower() == address and not message.automated:
            message.automated = True
            message.metadata["automated_reason"] = "sent from the channel's own address"
    return result
