"""The WhatsApp Cloud API connector (Meta's Graph API, no Twilio in between)."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import time
import uuid
from typing import Any, ClassVar

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from connectors.whatsapp_cloud import inbound, outbound
from connectors.whatsapp_cloud.config import CloudConfig, CloudTemplate
from hub.contract import (
    PHONE,
    Attachment,
    Capabilities,
    ChannelInfo,
    ChannelTemplate,
    Connector,
    JsonObject,
    MediaTooLarge,
    OutboundMessage,
    RetryableSendError,
    SendResult,
    SimulatedRequest,
    WebhookResult,
    read_limited,
)


class WhatsAppCloudConnector(Connector):
    """WhatsApp through Meta's Cloud API: webhooks signed with the app secret, Graph sends."""

    type: ClassVar[str] = "whatsapp_cloud"
    label = "WhatsApp (Cloud API)"
    icon = "whatsapp"
    aliases: ClassVar[tuple[str, ...]] = ("whatsapp_cloud", "wa_cloud")
    Config = CloudConfig
    capabilities = Capabilities(
        address_kind=PHONE,
        media=True,
        templates=True,
        quick_replies=True,
        read_receipts=True,
        max_text_length=4096,
        reply_window=dt.timedelta(hours=24),
    )

    def settings(self, channel: ChannelInfo) -> CloudConfig:
        return CloudConfig.model_validate(channel.config)

    def validate_config(self, config: JsonObject) -> JsonObject:
        return CloudConfig.model_validate(config).model_dump(mode="json", exclude_none=True)

    def describe(self, channel: ChannelInfo) -> JsonObject:
        return {"verify_token": channel.config.get("verify_token")}

    def templates(self, channel: ChannelInfo) -> list[ChannelTemplate]:
        return [_offered(t) for t in self.settings(channel).templates]

    # ------------------------------------------------------------------ inbound

    async def verify_webhook(self, request: Request, channel: ChannelInfo) -> Response:
        """Meta's subscription check: echo ``hub.challenge`` when the token matches."""
        q = request.query_params
        token = q.get("hub.verify_token", "")
        expected = self.settings(channel).verify_token
        if q.get("hub.mode") == "subscribe" and hmac.compare_digest(token, expected):
            return PlainTextResponse(q.get("hub.challenge", ""))
        return PlainTextResponse("verification failed", status_code=403)

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        cfg = self.settings(channel)
        body = await request.body()
        inbound.check_signature(cfg.app_secret, body, request.headers.get("x-hub-signature-256"))
        messages, statuses = inbound.parse(body, cfg.phone_number_id, cfg.graph)
        return WebhookResult(messages=messages, statuses=statuses)

    async def fetch_media(self, channel: ChannelInfo, url: str, max_bytes: int) -> bytes:
        """GET /{media-id} gives a short-lived URL; both calls carry the bearer token."""
        auth = {"Authorization": f"Bearer {self.settings(channel).access_token}"}
        info = await self.hub.http.get(url, headers=auth)
        info.raise_for_status()
        meta = info.json()
        if int(meta.get("file_size") or 0) > max_bytes:
            raise MediaTooLarge(f"media larger than {max_bytes} bytes")
        async with self.hub.http.stream(
            "GET", meta["url"], headers=auth, follow_redirects=True
        ) as response:
            response.raise_for_status()
            return await read_limited(response, max_bytes)

    # ------------------------------------------------------------------ outbound

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        cfg = self.settings(channel)
        if message.attachments and message.template is None:
            bodies = await self._media_bodies(channel, cfg, message)
        else:
            bodies = outbound.bodies_for(message, cfg)
        ids = [await self._post(cfg, body) for body in bodies]
        extra = {"wamids": ids} if len(ids) > 1 else {}
        return SendResult(provider_message_id=ids[0], metadata=extra)

    async def _media_bodies(
        self, channel: ChannelInfo, cfg: CloudConfig, message: OutboundMessage
    ) -> list[JsonObject]:
        to, caption = message.to.value, message.text
        kinds = [outbound.media_kind(a.content_type) for a in message.attachments]
        bodies = []
        if caption and kinds[0] not in outbound.CAPTIONED:
            bodies.append(outbound.text(to, caption))  # audio and stickers carry no caption
            caption = ""
        for kind, attachment in zip(kinds, message.attachments, strict=True):
            media_id = await self._upload(channel, cfg, attachment)
            bodies.append(outbound.media(to, kind, media_id, caption, attachment.filename))
            caption = ""
        return bodies

    async def _upload(self, channel: ChannelInfo, cfg: CloudConfig, attachment: Attachment) -> str:
        data = await self.hub.read_media(channel, attachment.id)
        files = {"file": (attachment.filename or "file", data, attachment.content_type)}
        form = {"messaging_product": "whatsapp", "type": attachment.content_type}
        answer = await self._request(cfg, f"/{cfg.phone_number_id}/media", data=form, files=files)
        return str(answer["id"])

    async def _post(self, cfg: CloudConfig, body: JsonObject) -> str:
        answer = await self._request(cfg, f"/{cfg.phone_number_id}/messages", json=body)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise RetryableSendError(
                "no_id", "the Graph API answered without a message id"
            ) from None

    async def _request(self, cfg: CloudConfig, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {cfg.access_token}"}
        try:
            response = await self.hub.http.post(f"{cfg.graph}{path}", headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise RetryableSendError("network", f"{type(exc).__name__}: {exc}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            raise outbound.error(response.status_code, answer)
        return answer

    # ------------------------------------------------------------------ demos

    def simulated_webhook(self, channel: ChannelInfo, sender: str, text: str) -> SimulatedRequest:
        cfg = self.settings(channel)
        wa_id = sender.lstrip("+").removeprefix("whatsapp:").lstrip("+")
        body = json.dumps(
            envelope_for(cfg.phone_number_id, wa_id, "wamid." + uuid.uuid4().hex, text)
        ).encode()
        return SimulatedRequest(
            body=body,
            headers={
                "content-type": "application/json",
                "x-hub-signature-256": inbound.sign(cfg.app_secret, body),
            },
        )


def _offered(template: CloudTemplate) -> ChannelTemplate:
    """A configured template as the hub offers it (``body`` only when it has one)."""
    offered = ChannelTemplate(
        name=template.name, language=template.language, variables=template.variables
    )
    if template.body is not None:
        offered["body"] = template.body
    return offered


def envelope_for(phone_number_id: str, wa_id: str, wamid: str, text: str) -> JsonObject:
    """A one-message webhook body in Meta's documented shape."""
    value: JsonObject = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": phone_number_id, "phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Simulated"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": wamid,
                "timestamp": str(int(time.time())),
                "type": "text",
                "text": {"body": text},
            }
        ],
    }
    change: JsonObject = {"field": "messages", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [change]}]}
