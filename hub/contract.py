"""The connector contract: the only part of the hub a channel connector may import.

A connector translates between one provider's protocol and Parley's neutral
types. It never writes to the database and never decides conversation rules;
the hub calls it with a request and a channel and gets neutral events back
(inbound), or hands it a stored message and gets a `SendResult` back
(outbound). Everything a connector needs from the hub arrives through
`HubServices`, given to its constructor.

Connectors are found through the ``parley.connectors`` entry-point group::

    [project.entry-points."parley.connectors"]
    twilio_sms = "connectors.twilio:TwilioSMSConnector"

This module depends on nothing else in the project.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

DeliveryState = Literal[
    "queued", "sending", "sent", "delivered", "read", "failed", "undelivered", "received"
]

#: Delivery only moves forward along this rank. ``failed`` and ``undelivered``
#: end it: nothing moves a message out of them.
DELIVERY_RANK: dict[str, int] = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "read": 4,
    "failed": 9,
    "undelivered": 9,
    "received": 0,
}


_clock: Any = None


def now() -> dt.datetime:
    """The current time, timezone-aware UTC (the only clock the hub uses).

    Every time-dependent rule (SLA clocks, overflow, snooze, retention, callback
    offers) reads this, so a test can set the time with ``set_clock``.
    """
    if _clock is not None:
        return _clock()  # type: ignore[no-any-return]
    return dt.datetime.now(dt.UTC)


def set_clock(source: Any = None) -> None:
    """Replace the hub's clock with ``source()`` (a callable returning aware UTC); None restores it."""
    global _clock
    _clock = source


# --------------------------------------------------------------------------- errors


class ConnectorError(Exception):
    """Base of the errors a connector raises."""


class SignatureError(ConnectorError):
    """The request is not from the provider: answered 403."""


class MalformedRequest(ConnectorError):
    """The request is from the provider (or unsigned) but cannot be read: answered 400."""


class OutsideReplyWindow(ConnectorError):
    """Free text cannot be sent now (e.g. WhatsApp's 24-hour window): send a template."""

    code = "outside_reply_window"


# --------------------------------------------------------------------------- capabilities


class Capabilities(BaseModel):
    """What a channel can carry. The hub and the inbox read these; nobody tests the type name."""

    model_config = ConfigDict(frozen=True)

    text: bool = True
    media: bool = False
    templates: bool = False
    quick_replies: bool = False
    cards: bool = False
    read_receipts: bool = False
    html: bool = False
    subject: bool = False
    typing: bool = False
    max_text_length: int | None = None
    #: SMS-style segment counting in the composer.
    segments: bool = False
    #: Free text allowed only this long after the contact's last inbound message.
    reply_window: dt.timedelta | None = None
    #: "contact": one running conversation per contact on the channel (chat channels);
    #: "thread": a conversation per thread, joined through ``InboundMessage.thread_refs`` (email).
    threading: Literal["contact", "thread"] = "contact"
    #: Media size limit the hub enforces when it stores attachments, in bytes.
    max_media_bytes: int = 16 * 1024 * 1024


# --------------------------------------------------------------------------- neutral types


class Address(BaseModel):
    """A contact's address on a channel.

    ``kind`` groups addresses that name the same person across channels: an SMS
    number and a WhatsApp number are both ``phone`` with the E.164 value, so
    they find the same contact.
    """

    kind: Literal["phone", "email", "visitor", "other"]
    value: str
    name: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.value.lower() if self.kind == 'email' else self.value}"


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
    metadata: dict[str, Any] = {}


class SendResult(BaseModel):
    """A successful send: the provider's id for the message and its first state."""

    provider_message_id: str
    status: DeliveryState = "sent"
    #: Details to keep on the message (segments, fallback channel, our Message-ID…).
    metadata: dict[str, Any] = {}


class RetryableSendError(ConnectorError):
    """A send that may succeed later (rate limit, 5xx, network): the outbox retries it."""

    def __init__(self, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retry_after = retry_after


class PermanentSendError(ConnectorError):
    """A send that will never succeed as it is: the message ends ``failed`` with this reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- hub services


class HubServices(Protocol):
    """What the hub offers a connector. Given to the connector's constructor."""

    #: The app's one outgoing HTTP client; tests intercept it with pytest-httpx.
    http: httpx.AsyncClient
    #: The public base URL providers call back (``PARLEY_PUBLIC_URL``), no trailing slash.
    public_url: str
    #: Where listeners bind (``PARLEY_SMTP_HOST``, default 127.0.0.1) and the SMTP port.
    listen_host: str
    smtp_port: int
    #: A secret of this installation (``PARLEY_SECRET_KEY``) for signing tokens.
    secret_key: str

    async def deliver(self, channel: ChannelInfo, result: WebhookResult) -> None:
        """Store inbound events that did not come through the webhook route (SMTP, widget)."""

    async def channels_of_type(self, type: str) -> list[ChannelInfo]:
        """All active channels of a connector type, across accounts (for listeners)."""

    async def store_media(
        self, channel: ChannelInfo, data: bytes, filename: str | None, content_type: str
    ) -> Attachment:
        """Keep media bytes for the channel's account; returns the stored attachment."""

    async def read_media(self, channel: ChannelInfo, attachment_id: str) -> bytes:
        """The bytes of an attachment of the channel's account (for outbound sends)."""


# --------------------------------------------------------------------------- the contract


class Connector:
    """Base class of every channel connector.

    Subclasses set the class attributes and implement ``parse_webhook`` and
    ``send``. One instance serves every channel of its type; per-channel
    settings arrive as ``ChannelInfo.config``, validated by ``Config``.
    """

    type: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    Config: ClassVar[type[BaseModel]]
    #: Human name for pages and docs.
    label: ClassVar[str] = ""
    #: The picture of the channel in lists: ``sms``, ``whatsapp``, ``rcs``, ``email``,
    #: ``webchat`` or ``chat`` (any other: a speech bubble).
    icon: ClassVar[str] = "chat"
    #: Short names ``parley simulate`` accepts for this type (e.g. ``sms``).
    aliases: ClassVar[tuple[str, ...]] = ()

    def __init__(self, hub: HubServices) -> None:
        self.hub = hub

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """Validate and complete a channel's config (defaults, generated secrets)."""
        return self.Config.model_validate(config).model_dump(mode="json")

    def describe(self, channel: ChannelInfo) -> dict[str, Any]:
        """Extra fields shown once when a channel is added (embed snippet, secrets)."""
        return {}

    def capabilities_for(self, channel: ChannelInfo) -> Capabilities:
        """Capabilities of one channel; override where config changes them."""
        return self.capabilities

    def templates(self, channel: ChannelInfo) -> list[dict[str, Any]]:
        """The channel's approved templates (``name``, ``language``, ``variables``, ``body``?).

        Offered where free text is refused (outside a reply window) and in composers.
        """
        return []

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        """Verify and read a provider request.

        Raise ``SignatureError`` for a bad or missing signature and
        ``MalformedRequest`` for a body that cannot be read. Do not store anything.
        """
        raise NotImplementedError

    async def verify_webhook(self, request: Request, channel: ChannelInfo) -> Response:
        """Answer a provider's GET verification of the webhook URL (Meta). Default 405."""
        return Response("method not allowed", status_code=405)

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        """Send a message through the provider.

        Raise ``RetryableSendError`` or ``PermanentSendError``; keep the provider's
        error code and text in them.
        """
        raise NotImplementedError

    async def fetch_media(self, channel: ChannelInfo, url: str, max_bytes: int) -> bytes:
        """Fetch inbound media by URL with the channel's credentials. Default: plain GET."""
        async with self.hub.http.stream("GET", url, follow_redirects=True) as response:
            response.raise_for_status()
            return await read_limited(response, max_bytes)

    def simulated_webhook(self, channel: ChannelInfo, sender: str, text: str) -> SimulatedRequest:
        """A correctly signed inbound webhook as the provider would send it (demos, tests)."""
        raise NotImplementedError(f"{self.type} cannot simulate inbound messages")

    def routes(self) -> list[BaseRoute]:
        """Extra routes this connector serves (mounted at the app's root)."""
        return []

    async def start(self) -> None:
        """Start long-running listeners (an SMTP server). Called once per process."""

    async def stop(self) -> None:
        """Stop what ``start`` started."""


class SimulatedRequest(BaseModel):
    """An HTTP request ``parley simulate`` posts to the hub's webhook URL."""

    body: bytes
    headers: dict[str, str]
    #: Path and query relative to the hub; default the channel's webhook path.
    path: str | None = None


class MediaTooLarge(ConnectorError):
    """Media over the channel's size limit."""


async def read_limited(response: httpx.Response, max_bytes: int) -> bytes:
    """Read a streamed httpx response, refusing more than ``max_bytes``."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge(f"media larger than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def render_quick_replies_as_text(text: str, quick_replies: list[QuickReply]) -> str:
    """The text fallback for quick replies on a channel that cannot show buttons."""
    if not quick_replies:
        return text
    options = "\n".join(f"{i}. {qr.title}" for i, qr in enumerate(quick_replies, 1))
    return f"{text}\n\n{options}" if text else options
