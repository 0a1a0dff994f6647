"""``Connector``: the base class every channel connector subclasses."""

from __future__ import annotations

import builtins
from typing import ClassVar, Literal

import httpx
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hub.contract.capabilities import Capabilities
from hub.contract.errors import MediaTooLarge
from hub.contract.json import JsonObject
from hub.contract.messages import (
    ChannelInfo,
    ChannelTemplate,
    OutboundMessage,
    QuickReply,
    SendResult,
    SimulatedRequest,
    WebhookResult,
)
from hub.contract.services import HubServices

#: What ``Connector.channel_changed`` is told happened to a channel.
ChannelChange = Literal["added", "changed", "removed"]


class Connector:
    """Base class of every channel connector.

    Subclasses set the class attributes and implement ``parse_webhook`` and
    ``send``. One instance serves every channel of its type; per-channel
    settings arrive as ``ChannelInfo.config``, validated by ``Config``.
    """

    type: ClassVar[str]
    capabilities: ClassVar[Capabilities] = Capabilities()
    Config: ClassVar[builtins.type[BaseModel]]
    #: Human name for pages and docs.
    label: ClassVar[str] = ""
    #: The picture of the channel in lists: ``sms``, ``whatsapp``, ``rcs``, ``email``,
    #: ``webchat`` or ``chat`` (any other: a speech bubble).
    icon: ClassVar[str] = "chat"
    #: Short names ``parley simulate`` accepts for this type (e.g. ``sms``).
    aliases: ClassVar[tuple[str, ...]] = ()

    def __init__(self, hub: HubServices) -> None:
        self.hub = hub

    def validate_config(self, config: JsonObject) -> JsonObject:
        """Validate and complete a channel's config (defaults, generated secrets)."""
        return self.Config.model_validate(config).model_dump(mode="json")

    def describe(self, channel: ChannelInfo) -> JsonObject:
        """Extra fields shown once when a channel is added (embed snippet, secrets)."""
        return {}

    def config_warnings(self, config: JsonObject) -> list[str]:
        """Advice about a valid config (e.g. a colour's contrast), shown with the channel."""
        return []

    def capabilities_for(self, channel: ChannelInfo) -> Capabilities:
        """Capabilities of one channel; override where config changes them."""
        return self.capabilities

    def templates(self, channel: ChannelInfo) -> list[ChannelTemplate]:
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

    async def channel_changed(self, channel: ChannelInfo, change: ChannelChange) -> None:
        """A channel of this type was added, changed or removed (deactivated or deleted).

        Called by the hub after the channel is saved (``hub.tenants.accounts.channel_changed``),
        once, in the process that saved it. The place to register or remove the webhook
        at the provider. May call the provider through ``self.hub.http``. Raising a
        ``ConnectorError`` on ``added`` or ``changed`` refuses the change: the hub
        takes the saved channel back and answers with the error's text.
        Default: nothing to do.
        """

    def routes(self) -> list[BaseRoute]:
        """Extra routes this connector serves (mounted at the app's root)."""
        return []

    async def start(self) -> None:
        """Start long-running listeners (an SMTP server). Called once per process."""

    async def stop(self) -> None:
        """Stop what ``start`` started."""


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
