"""The ``webchat`` connector: the hub's side of the embeddable chat widget.

Inbound messages come from the widget's visitor API (``webchat_widget.api``),
which hands them to the ingest pipeline through ``HubServices.deliver``.
Outbound messages need no provider: a stored reply reaches the visitor over
the widget's SSE stream, so ``send`` only confirms it.
"""

from __future__ import annotations

import builtins
from typing import ClassVar

from starlette.requests import Request
from starlette.routing import BaseRoute

from hub.contract import (
    VISITOR,
    Capabilities,
    ChannelInfo,
    Connector,
    JsonObject,
    MalformedRequest,
    OutboundMessage,
    SendResult,
    WebhookResult,
)
from webchat_widget.appearance import contrast_warning
from webchat_widget.config import DEFAULT_COLOUR, MAX_MEDIA_BYTES, MAX_TEXT, WebchatConfig


class WebchatConnector(Connector):
    """Web chat on the business's own site; one instance serves every webchat channel."""

    type: ClassVar[str] = "webchat"
    label: ClassVar[str] = "Web chat"
    icon: ClassVar[str] = "webchat"
    aliases: ClassVar[tuple[str, ...]] = ("widget",)
    capabilities: ClassVar[Capabilities] = Capabilities(
        webhooks=False,
        address_kind=VISITOR,
        media=True,
        quick_replies=True,
        typing=True,
        max_text_length=MAX_TEXT,
        max_media_bytes=MAX_MEDIA_BYTES,
    )
    Config: ClassVar[builtins.type[WebchatConfig]] = WebchatConfig

    def validate_config(self, config: JsonObject) -> JsonObject:
        """Validate, and generate the identity secret on first save."""
        return WebchatConfig.model_validate(config).model_dump(mode="json")

    def describe(self, channel: ChannelInfo) -> JsonObject:
        extra: JsonObject = {
            "embed": embed_snippet(self.hub.public_url, channel.id),
            "identity_secret": channel.config.get("identity_secret", ""),
        }
        warnings = self.config_warnings(channel.config)
        if warnings:
            extra["warnings"] = [warning for warning in warnings]
        return extra

    def config_warnings(self, config: JsonObject) -> list[str]:
        """The colour's WCAG AA contrast (``webchat_widget.appearance``)."""
        colour = config.get("colour")
        warning = contrast_warning(colour if isinstance(colour, str) and colour else DEFAULT_COLOUR)
        return [warning] if warning else []

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        # Nothing posts to the hub's webhook route for this channel: answer 400, not 500.
        raise MalformedRequest("web chat messages come through /widget/v1/messages, not a webhook")

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        # The reply is already stored; the visitor's stream delivers it from the database.
        return SendResult(provider_message_id=f"webchat:{message.id}", status="delivered")

    def routes(self) -> list[BaseRoute]:
        from webchat_widget import routes

        return routes.all_routes()


def embed_snippet(public_url: str, channel_id: str) -> str:
    return (
        f'<script src="{public_url}/widget/v1/loader.js" '
        f'data-channel="{channel_id}" async></script>'
    )
