"""Reading Twilio's messaging webhooks: signature, inbound messages, status callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.request_validator import RequestValidator, get_signature_algorithm

from hub.contract import (
    Address,
    InboundAttachment,
    InboundMessage,
    Location,
    MalformedRequest,
    SignatureError,
    StatusUpdate,
)

#: Twilio's MessageStatus values mapped onto the hub's delivery states.
STATUS_MAP: dict[str, str] = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "partially_delivered": "delivered",
}
#: Inbound states: the message is the customer's, not a report on ours.
INBOUND_STATES = {"received", "receiving"}
#: The fields kept with an inbound message for the agent (referral, forwarding, geo).
KEPT_FIELDS = (
    "WaId",
    "MessageType",
    "Forwarded",
    "FrequentlyForwarded",
    "OriginalRepliedMessageSender",
    "ReferralBody",
    "ReferralSourceUrl",
    "ReferralCtwaClid",
    "FromCountry",
    "FromCity",
    "NumSegments",
    "ChannelPrefix",
)


def check_signature(
    token: str, url: str, form: Any, signature: str | None, settings_header: str | None
) -> None:
    """Raise ``SignatureError`` unless ``signature`` signs ``url`` + every posted parameter."""
    if not signature:
        raise SignatureError("X-Twilio-Signature is missing")
    algorithm = get_signature_algorithm(settings_header)
    if not RequestValidator(token).validate(url, form, signature, algorithm):
        raise SignatureError("X-Twilio-Signature does not match")


def split_address(value: str) -> tuple[str, str]:
    """``whatsapp:+45…`` → (``whatsapp``, ``+45…``); a bare number has no prefix."""
    prefix, sep, rest = value.partition(":")
    return (prefix, rest) if sep and prefix.isalpha() else ("", value)


def address(value: str, name: str | None = None) -> Address:
    _, number = split_address(value)
    kind = "phone" if number.startswith("+") and number[1:].isdigit() else "other"
    return Address(kind=kind, value=number, name=name or None)


def parse(form: Mapping[str, str]) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    """One webhook's events: an inbound message, or a status report on one we sent."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not sid:
        raise MalformedRequest("MessageSid is missing")
    state = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if state and state not in INBOUND_STATES:
        return [], [status(sid, state, form)]
    if not form.get("From"):
        raise MalformedRequest("From is missing")
    return [message(sid, form)], []


def status(sid: str, state: str, form: Mapping[str, str]) -> StatusUpdate:
    mapped = STATUS_MAP.get(state)
    if mapped is None:
        raise MalformedRequest(f"unknown MessageStatus {state!r}")
    return StatusUpdate(
        provider_message_id=sid,
        status=mapped,
        error_code=form.get("ErrorCode") or None,
        error_message=form.get("ErrorMessage") or form.get("ChannelStatusMessage") or None,
    )


def message(sid: str, form: Mapping[str, str]) -> InboundMessage:
    payload = form.get("ButtonPayload") or None
    text = form.get("Body", "")
    if not text and form.get("ButtonText"):
        text = form["ButtonText"]
    return InboundMessage(
        provider_message_id=sid,
        sender=address(form["From"], form.get("ProfileName")),
        text=text,
        attachments=media(form),
        payload=payload,
        location=location(form),
        reply_to=form.get("OriginalRepliedMessageSid") or None,
        sent_at=None,
        metadata={
            "to": form.get("To", ""),
            **{k: form[k] for k in KEPT_FIELDS if form.get(k)},
        },
    )


def media(form: Mapping[str, str]) -> list[InboundAttachment]:
    try:
        count = min(int(form.get("NumMedia") or 0), 10)
    except ValueError:
        raise MalformedRequest("NumMedia is not a number") from None
    found = []
    for i in range(count):
        url = form.get(f"MediaUrl{i}")
        if url:
            content_type = form.get(f"MediaContentType{i}") or "application/octet-stream"
            found.append(InboundAttachment(url=url, content_type=content_type))
    return found


def location(form: Mapping[str, str]) -> Location | None:
    lat, lon = form.get("Latitude"), form.get("Longitude")
    if not lat or not lon:
        return None
    try:
        return Location(
            latitude=float(lat),
            longitude=float(lon),
            name=form.get("Label") or None,
            address=form.get("Address") or None,
        )
    except ValueError:
        raise MalformedRequest("Latitude/Longitude are not numbers") from None
