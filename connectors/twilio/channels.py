"""The three Twilio channel types: SMS/MMS, WhatsApp and RCS."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from connectors.twilio.base import MessageParams, TwilioConnector
from connectors.twilio.config import TwilioConfig
from connectors.twilio.inbound import split_address
from hub.contract import PHONE, Capabilities, JsonObject, OutboundMessage


class TwilioSMSConnector(TwilioConnector):
    """SMS and MMS through Twilio; quick replies reach the phone as numbered text."""

    type: ClassVar[str] = "twilio_sms"
    label = "SMS (Twilio)"
    icon = "sms"
    aliases: ClassVar[tuple[str, ...]] = ("sms",)
    capabilities = Capabilities(
        address_kind=PHONE,
        media=True,
        segments=True,
        max_text_length=1600,
        max_media_bytes=5 * 1024 * 1024,
    )


class TwilioWhatsAppConnector(TwilioConnector):
    """WhatsApp through Twilio: free text inside the 24-hour window, templates outside it."""

    type: ClassVar[str] = "twilio_whatsapp"
    label = "WhatsApp (Twilio)"
    icon = "whatsapp"
    aliases: ClassVar[tuple[str, ...]] = ("whatsapp",)
    prefix: ClassVar[str] = "whatsapp"
    capabilities = Capabilities(
        address_kind=PHONE,
        media=True,
        templates=True,
        quick_replies=True,
        read_receipts=True,
        max_text_length=1600,
        reply_window=dt.timedelta(hours=24),
    )


class TwilioRCSConnector(TwilioConnector):
    """RCS through Twilio: cards and suggested replies, SMS where the phone has no RCS.

    With a Messaging Service the plain number is sent to and Twilio picks RCS or
    falls back to SMS; the channel used is recorded on the message (``metadata.channel``).
    A card comes from ``message.metadata["card"]`` (``title``, ``subtitle``, ``media``).
    """

    type: ClassVar[str] = "twilio_rcs"
    label = "RCS (Twilio)"
    icon = "rcs"
    aliases: ClassVar[tuple[str, ...]] = ("rcs",)
    prefix: ClassVar[str] = "rcs"
    capabilities = Capabilities(
        address_kind=PHONE,
        media=True,
        templates=True,
        quick_replies=True,
        cards=True,
        read_receipts=True,
        max_text_length=3072,
    )

    def to_address(self, cfg: TwilioConfig, value: str) -> str:
        # Only a Messaging Service can fall back, and it wants the plain number.
        return split_address(value)[1] if cfg.messaging_service_sid else self.address(value)

    def wants_content(self, message: OutboundMessage) -> bool:
        return bool(message.quick_replies) or isinstance(message.metadata.get("card"), dict)

    def send_facts(
        self, cfg: TwilioConfig, params: MessageParams, sent_from: str | None, segments: Any
    ) -> JsonObject:
        facts = super().send_facts(cfg, params, sent_from, segments)
        if sent_from:
            facts.update(_channel_of(split_address(sent_from)[0] or "sms"))
        elif not cfg.messaging_service_sid:
            facts.update(_channel_of("rcs"))
        else:
            facts["sms_fallback_possible"] = True  # decided by Twilio; the status callback says
        return facts

    def status_facts(self, form: dict[str, str]) -> JsonObject:
        prefix = form.get("ChannelPrefix") or split_address(form.get("From", ""))[0]
        if not prefix and not form.get("From"):
            return {}
        return _channel_of(prefix.lower() or "sms")


def _channel_of(prefix: str) -> JsonObject:
    return {"channel": prefix, "sms_fallback": prefix != "rcs"}
