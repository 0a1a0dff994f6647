"""The ``email`` connector: mail in over SMTP (or HTTP), replies out over SMTP, threads kept.

Inbound mail arrives at the embedded SMTP listener (``listener``) or at
``POST /webhooks/email/{channel_id}`` as a raw MIME message from a provider
that forwards mail by HTTP (guarded by the channel's ``inbound_secret``).
Both paths parse with ``parse.parse_for_channel``. Outbound replies are composed and
submitted by ``send``. Conversations follow mail threads: the hub joins a mail
to the conversation that holds any id of its References/In-Reply-To.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from base64 import b64decode
from binascii import Error as BinasciiError
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.datastructures import UploadFile
from starlette.requests import Request

from hub.contract import (
    EMAIL,
    SECRET,
    Attachment,
    Capabilities,
    ChannelInfo,
    Connector,
    HubServices,
    JsonObject,
    MalformedRequest,
    OutboundMessage,
    PermanentSendError,
    SendResult,
    SignatureError,
    SimulatedRequest,
    WebhookResult,
    now,
    outbound_host,
)

from .listener import SmtpListener
from .parse import parse_for_channel
from .send import SmtpSettings, allowed_ca_file, compose, submit

#: Largest mail the SMTP listener takes (SIZE); base64 makes 25 MB of files about 34 MB.
MAX_MESSAGE_BYTES = 35 * 1024 * 1024
SECRET_HEADER = "x-parley-secret"
#: Form fields that carry the raw MIME message: SendGrid Inbound Parse ("send raw"), Mailgun.
RAW_FORM_FIELDS = ("email", "body-mime")


class EmailConfig(BaseModel):
    """An email channel: the support address, how to submit replies, the HTTP inbound secret."""

    model_config = ConfigDict(extra="forbid")

    address: str = Field(min_length=3, max_length=254)
    #: The relay is an account-supplied host: the hub's outbound guard applies.
    smtp_host: str = Field(
        min_length=1, max_length=253, json_schema_extra=outbound_host("smtp_port")
    )
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, json_schema_extra=SECRET)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    #: A PEM file of CA certificates to trust for the relay (a private CA, a self-signed relay):
    #: a file in the operator's ``PARLEY_CA_DIR`` (checked by ``EmailConnector.validate_config``).
    smtp_ca_file: str | None = Field(None, max_length=255)
    #: False skips certificate checks entirely. Unsafe: only for a relay on a trusted network.
    smtp_verify: bool = True
    from_name: str | None = Field(None, max_length=200)
    #: Guards ``POST /webhooks/email/{channel_id}``; generated when the channel is added.
    inbound_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32), min_length=16, json_schema_extra=SECRET
    )

    @field_validator("address")
    @classmethod
    def _one_mailbox(cls, value: str) -> str:
        value = value.strip().lower()
        local, at, domain = value.rpartition("@")
        if not at or not local or "." not in domain or any(c.isspace() for c in value):
            raise ValueError("address must be one mailbox like support@example.com")
        return value

    @field_validator("from_name")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        if value is not None and ("\n" in value or "\r" in value):
            raise ValueError("from_name must be one line")
        return value or None


class EmailConnector(Connector):
    """Email over the embedded SMTP listener and the channel's SMTP submission server."""

    type: ClassVar[str] = "email"
    label = "Email"
    icon = "email"
    aliases: ClassVar[tuple[str, ...]] = ("mail",)
    capabilities = Capabilities(
        address_kind=EMAIL,
        media=True,
        html=True,
        subject=True,
        threading="thread",
        max_media_bytes=25 * 1024 * 1024,
    )
    Config = EmailConfig

    def __init__(self, hub: HubServices) -> None:
        super().__init__(hub)
        #: The SMTP listener's SIZE limit (tests lower it).
        self.max_message_bytes = MAX_MESSAGE_BYTES
        self.listener: SmtpListener | None = None

    # ------------------------------------------------------------------ channels

    def validate_config(self, config: JsonObject) -> JsonObject:
        """The config, with ``smtp_ca_file`` only from the operator's CA directory."""
        validated = super().validate_config(config)
        if validated.get("smtp_ca_file"):
            allowed_ca_file(str(validated["smtp_ca_file"]), self.hub.ca_dir)  # ValueError: 400
        else:
            validated["smtp_ca_file"] = None
        return validated

    def describe(self, channel: ChannelInfo) -> JsonObject:
        return {
            "address": channel.config["address"],
            "inbound_secret": channel.config["inbound_secret"],
            "inbound_secret_header": "X-Parley-Secret",
            "smtp_listener": f"{self.hub.listen_host}:{self.hub.smtp_port}",
        }

    # ------------------------------------------------------------------ inbound

    async def start(self) -> None:
        self.listener = SmtpListener(self.hub, self.max_message_bytes)
        await self.listener.start()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()
            self.listener = None

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        """A raw MIME message POSTed by a mail-forwarding provider, guarded by the secret."""
        if not _secret_matches(request, channel.config.get("inbound_secret", "")):
            raise SignatureError("missing or wrong inbound secret")
        raw = await _raw_message(request)
        try:
            # In a thread: a big mail takes a while to parse and clean, the loop must not wait.
            return await asyncio.to_thread(parse_for_channel, raw, channel)
        except MalformedRequest:
            raise
        except (ValueError, TypeError, IndexError, LookupError, MessageError) as exc:
            raise MalformedRequest(f"the message cannot be parsed: {exc}") from None

    def simulated_webhook(self, channel: ChannelInfo, sender: str, text: str) -> SimulatedRequest:
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = channel.config["address"]
        mail["Subject"] = text.splitlines()[0][:60] if text.strip() else "Hello"
        mail["Date"] = format_datetime(now())
        mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "example.com")
        mail.set_content(text)
        return SimulatedRequest(
            body=mail.as_bytes(),
            headers={
                "content-type": "message/rfc822",
                SECRET_HEADER: channel.config["inbound_secret"],
            },
        )

    # ------------------------------------------------------------------ outbound

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        settings = SmtpSettings.model_validate(channel.config, from_attributes=False)
        files = [(a, await self._media(channel, a)) for a in message.attachments]
        try:
            mail, message_id = compose(settings, message, files)
        except (ValueError, TypeError) as exc:
            # A stored address or subject that cannot be a header (CR/LF, a list): retrying
            # cannot help, and the mail library's refusal is the reason.
            raise PermanentSendError("invalid_header", str(exc)) from None
        await submit(settings, mail, self.hub)
        return SendResult(
            provider_message_id=message_id,
            metadata={"message_id": message_id, "subject": str(mail["Subject"])},
        )

    async def _media(self, channel: ChannelInfo, attachment: Attachment) -> bytes:
        try:
            return await self.hub.read_media(channel, attachment.id)
        except LookupError:
            raise PermanentSendError(
                "attachment_missing", f"attachment {attachment.filename or attachment.id} is gone"
            ) from None


def _secret_matches(request: Request, expected: str) -> bool:
    """The secret from the header, ``?secret=``, or HTTP Basic auth's password."""
    if not expected:
        return False
    given = request.headers.get(SECRET_HEADER) or request.query_params.get("secret") or ""
    if not given:
        given = _basic_password(request.headers.get("authorization", ""))
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_password(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return ""
    try:
        return b64decode(value, validate=True).decode("utf-8").partition(":")[2]
    except (BinasciiError, UnicodeDecodeError, ValueError):
        return ""


async def _raw_message(request: Request) -> bytes:
    """The MIME bytes: a form field that holds them (SendGrid, Mailgun), or the body itself.

    A urlencoded body without such a field is taken as the message: that is what
    ``curl --data-binary @mail.eml`` sends without a Content-Type of its own.
    """
    content_type = request.headers.get("content-type", "").lower()
    is_multipart = content_type.startswith("multipart/form-data")
    if is_multipart or content_type.startswith("application/x-www-form-urlencoded"):
        raw = await _raw_form_field(request)
        if raw is not None:
            return raw
        if is_multipart:
            raise MalformedRequest("the form has no raw message field (email or body-mime)")
    body = await request.body()
    if not body.strip():
        raise MalformedRequest("the body is empty; POST the raw MIME message")
    return body


async def _raw_form_field(request: Request) -> bytes | None:
    try:
        form = await request.form()
    except Exception as exc:  # python-multipart's errors have no common base
        raise MalformedRequest(f"unreadable form body: {exc}") from None
    for name in RAW_FORM_FIELDS:
        value = form.get(name)
        if isinstance(value, UploadFile):
            return await value.read()
        if isinstance(value, str) and value.strip():
            return value.encode("utf-8", "surrogateescape")
    return None
