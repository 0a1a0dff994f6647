"""The neutral types that pass between the hub and a connector, in and out."""

from __future__ import annotations

import datetime as dt
from typing import Any, Required, TypedDict

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from hub.contract.addresses import Address
from hub.contract.delivery import DeliveryState


class InboundAttachment(BaseModel):
    """Media on an inbound message: bytes already in hand, or a URL the connector fetches."""

    filename: str | None = None
    content_type: str = "application/octet-stream"
    data: bytes | None = None
    url: str | None = None
    #: Inline part referenced from HTML (``cid:``), e.g. an image in an email.
    content_id: str | None = None


class Attachment(BaseModel):
    """Stored media, as the hub keeps and serves it."""

    id: str
    filename: str | None = None
    content_type: str = "application/octet-stream"
    size: int = 0
    content_id: str | None = None


class QuickReply(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    payload: str = Field(min_length=1, max_length=1000)


class Location(BaseModel):
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None


class InboundMessage(BaseModel):
    """One message from a contact, normalized."""

    provider_message_id: str = Field(min_length=1, max_length=998)
    sender: Address
    text: str = ""
    html: str | None = None
    subject: str | None = None
    attachments: list[InboundAttachment] = []
    #: Payload of a tapped quick reply or button.
    payload: str | None = None
    location: Location | None = None
    #: Provider id of the message this one replies to (WhatsApp context, email In-Reply-To).
    reply_to: str | None = None
    #: Provider ids that tie this message to a thread (email References + In-Reply-To).
    thread_refs: list[str] = []
    #: Stored, but never answered automatically (auto-replies, bounces).
    automated: bool = False
    sent_at: dt.datetime | None = None
    #: Connector-specific details kept with the message (headers, quoted text, referral…).
    #: ``metadata["auto_headers"]`` (lowercase header names → values) carries what tells
    #: automated mail apart (``Auto-Submitted``, ``Precedence``, ``List-*``, the envelope
    #: sender as ``envelope-from``, "" for a null one): the hub decides on automatic replies.
    metadata: dict[str, Any] = {}


class StatusUpdate(BaseModel):
    """A delivery report for a message we sent, by the provider's id for it."""

    provider_message_id: str
    status: DeliveryState
    error_code: str | None = None
    error_message: str | None = None
    at: dt.datetime | None = None
    #: Details kept on the message whatever the order (e.g. the channel an RCS send fell back to).
    metadata: dict[str, Any] = {}


class WebhookResult(BaseModel):
    """What ``parse_webhook`` found, and what to answer the provider once it is stored."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    #: The answer the provider expects (TwiML, a challenge echo…). ``None``: 200 empty.
    response: Response | None = None


class ChannelInfo(BaseModel):
    """The channel as a connector sees it: its id, account, and validated config."""

    id: str
    account_id: str
    type: str
    name: str
    config: dict[str, Any]
    webhook_url: str


class OutboundMessage(BaseModel):
    """A stored outbound message handed to ``Connector.send``."""

    id: str
    conversation_id: str
    to: Address
    text: str = ""
    html: str | None = None
    subject: str | None = None
    attachments: list[Attachment] = []
    quick_replies: list[QuickReply] = []
    #: ``{"name"|"sid": …, "language"?: …, "variables": {…}}`` for template sends.
    template: dict[str, Any] | None = None
    reply_to: str | None = None
    thread_refs: list[str] = []
    #: Last inbound message time of this contact on this channel (for reply windows).
    last_inbound_at: dt.datetime | None = None
    #: The status-callback URL the provider should report delivery to.
    status_callback_url: str
    #: One of the channel's own numbers to send from (its config's ``from_numbers``);
    #: None: the channel's default sender.
    from_address: str | None = None
    #: An automatic reply (out-of-office, survey, callback offer): a connector that can say
    #: so does (email: ``Auto-Submitted: auto-replied``, RFC 3834).
    auto_reply: bool = False
    metadata: dict[str, Any] = {}


class SendResult(BaseModel):
    """A successful send: the provider's id for the message and its first state."""

    provider_message_id: str
    status: DeliveryState = "sent"
    #: Details to keep on the message (segments, fallback channel, our Message-ID…).
    metadata: dict[str, Any] = {}


class ChannelTemplate(TypedDict, total=False):
    """An approved template a channel offers (``Connector.templates``): what the hub names
    when free text is refused outside a reply window, and what composers list."""

    name: Required[str]
    language: str
    #: Names of the template's variables, in order: {{1}}, {{2}}, …
    variables: list[str]
    #: The template's text with its placeholders, shown to agents.
    body: str
    #: The provider's id for it (Twilio's ContentSid), where it has one.
    sid: str


class SimulatedRequest(BaseModel):
    """An HTTP request ``parley simulate`` posts to the hub's webhook URL."""

    body: bytes
    headers: dict[str, str]
    #: Path and query relative to the hub; default the channel's webhook path.
    path: str | None = None
