"""What the three Twilio connectors share: webhook reading, sending, media, simulation.

SMS, WhatsApp and RCS are one Twilio Messaging API with different address
prefixes and capabilities; the subclasses in ``channels.py`` set those.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from typing import Any, ClassVar, TypedDict
from urllib.parse import urlencode

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from connectors.twilio import content, inbound
from connectors.twilio.config import TwilioConfig, TwilioTemplate
from connectors.twilio.transport import HttpxTwilioClient, rebase
from hub.contract import (
    ChannelInfo,
    ChannelTemplate,
    Connector,
    JsonObject,
    MalformedRequest,
    MediaTooLarge,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
    SimulatedRequest,
    WebhookResult,
    read_limited,
)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
#: Twilio error codes worth another try although the HTTP status is 4xx (rate limits).
RETRYABLE_CODES = {"20429", "63018", "30022"}


class MessageParams(TypedDict, total=False):
    """The arguments of Twilio's ``Messages.create`` that the connectors send."""

    to: str
    status_callback: str
    from_: str
    messaging_service_sid: str
    body: str
    media_url: list[str]
    content_sid: str
    content_variables: str


class TwilioConnector(Connector):
    """Base of the Twilio Messaging connectors; subclasses set ``prefix`` and capabilities."""

    Config = TwilioConfig
    #: The channel-address prefix: "" (SMS), "whatsapp", "rcs".
    prefix: ClassVar[str] = ""

    def __init__(self, hub: Any) -> None:
        super().__init__(hub)
        self._contents = content.ContentCache()

    def settings(self, channel: ChannelInfo) -> TwilioConfig:
        return TwilioConfig.model_validate(channel.config)

    def validate_config(self, config: JsonObject) -> JsonObject:
        return TwilioConfig.model_validate(config).model_dump(mode="json", exclude_none=True)

    def templates(self, channel: ChannelInfo) -> list[ChannelTemplate]:
        return [_offered(t) for t in self.settings(channel).templates]

    # ------------------------------------------------------------------ inbound

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        cfg = self.settings(channel)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/x-www-form-urlencoded":
            raise MalformedRequest("Twilio posts application/x-www-form-urlencoded")
        form = await request.form()
        url = channel.webhook_url + (f"?{request.url.query}" if request.url.query else "")
        inbound.check_signature(
            cfg.webhook_signing_key or cfg.auth_token,
            url,
            form,
            request.headers.get("x-twilio-signature"),
            request.headers.get("x-twilio-webhooks-signature-settings"),
        )
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        messages, statuses = inbound.parse(fields)
        for status in statuses:
            status.metadata = self.status_facts(fields)
        return WebhookResult(
            messages=messages,
            statuses=statuses,
            response=Response(EMPTY_TWIML, media_type="text/xml"),
        )

    def status_facts(self, form: dict[str, str]) -> JsonObject:
        """Facts from a status callback kept on the message (RCS: the channel it went on)."""
        return {}

    async def fetch_media(self, channel: ChannelInfo, url: str, max_bytes: int) -> bytes:
        """MediaUrlN with the account's Basic auth; Twilio redirects to a signed CDN URL."""
        cfg = self.settings(channel)
        async with self.hub.http.stream(
            "GET",
            rebase(url, cfg.base_url),
            auth=httpx.BasicAuth(cfg.account_sid, cfg.auth_token),
            follow_redirects=True,
        ) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise MediaTooLarge(f"media larger than {max_bytes} bytes")
            return await read_limited(response, max_bytes)

    # ------------------------------------------------------------------ outbound

    def client(self, cfg: TwilioConfig) -> Client:
        http = HttpxTwilioClient(self.hub.http, cfg.base_url)
        return Client(cfg.account_sid, cfg.auth_token, http_client=http)

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        cfg = self.settings(channel)
        client = self.client(cfg)
        try:
            params = await self.message_params(channel, cfg, client, message)
            created = await client.messages.create_async(**params)
        except TwilioRestException as exc:
            raise map_error(exc.status, str(exc.code), exc.msg) from None
        except TwilioException as exc:  # an error body in the RFC 9457 shape, or no JSON
            status = int(getattr(exc, "status", 500) or 500)
            code = str(getattr(exc, "code", status))
            raise map_error(status, code, str(getattr(exc, "detail", None) or exc)) from None
        except httpx.TransportError as exc:
            raise RetryableSendError("network", f"{type(exc).__name__}: {exc}") from None
        if not created.sid:
            raise RetryableSendError("no_sid", "Twilio answered without a message sid")
        return SendResult(
            provider_message_id=created.sid,
            metadata=self.send_facts(cfg, params, created.from_, created.num_segments),
        )

    async def message_params(
        self, channel: ChannelInfo, cfg: TwilioConfig, client: Client, message: OutboundMessage
    ) -> MessageParams:
        """The Messages.create arguments for one stored message."""
        params: MessageParams = {
            "to": self.to_address(cfg, message.to.value),
            "status_callback": message.status_callback_url,
        }
        if message.from_address:  # one of the channel's from_numbers, picked by the hub
            params["from_"] = self.address(message.from_address)
        elif cfg.messaging_service_sid:
            params["messaging_service_sid"] = cfg.messaging_service_sid
        else:
            params["from_"] = self.address(cfg.from_number or "")
        if message.template is not None:
            ref = content.template_params(cfg, message.template)
            params["content_sid"] = ref["content_sid"]
            if "content_variables" in ref:
                params["content_variables"] = ref["content_variables"]
            return params
        if self.wants_content(message):
            params["content_sid"] = await self._contents.sid(client, cfg, message)
            return params
        if message.text:
            params["body"] = message.text
        if message.attachments:
            params["media_url"] = [
                self.media_url(channel, a.id, a.content_type) for a in message.attachments
            ]
        return params

    def wants_content(self, message: OutboundMessage) -> bool:
        """Whether the message needs a Content API resource (buttons, cards)."""
        return bool(message.quick_replies) and self.capabilities.quick_replies

    def address(self, value: str) -> str:
        if not self.prefix or value.startswith(f"{self.prefix}:"):
            return value
        return f"{self.prefix}:{value}"

    def to_address(self, cfg: TwilioConfig, value: str) -> str:
        return self.address(value)

    def send_facts(
        self, cfg: TwilioConfig, params: MessageParams, sent_from: str | None, segments: Any
    ) -> JsonObject:
        facts: JsonObject = {}
        if segments not in (None, ""):
            facts["segments"] = int(segments)
        return facts

    # ------------------------------------------------------------------ media URLs

    def media_url(self, channel: ChannelInfo, attachment_id: str, content_type: str) -> str:
        """A public, signed URL Twilio fetches outbound media from."""
        sig = self._media_sig(channel.account_id, attachment_id, content_type)
        query = urlencode({"ct": content_type, "sig": sig})
        path = f"/media/{self.type}/{channel.account_id}/{attachment_id}"
        return f"{self.hub.public_url}{path}?{query}"

    def _media_sig(self, account_id: str, attachment_id: str, content_type: str) -> str:
        msg = f"{self.type}:{account_id}:{attachment_id}:{content_type}".encode()
        return hmac.new(self.hub.secret_key.encode(), msg, hashlib.sha256).hexdigest()

    def routes(self) -> list[BaseRoute]:
        path = f"/media/{self.type}/{{account_id}}/{{attachment_id}}"
        return [Route(path, self._serve_media, methods=["GET"])]

    async def _serve_media(self, request: Request) -> Response:
        """Outbound media for Twilio to fetch: only with the signature ``media_url`` made."""
        account_id = request.path_params["account_id"]
        attachment_id = request.path_params["attachment_id"]
        content_type = request.query_params.get("ct", "application/octet-stream")
        expected = self._media_sig(account_id, attachment_id, content_type)
        if not hmac.compare_digest(request.query_params.get("sig", ""), expected):
            return Response("forbidden", status_code=403)
        owner = ChannelInfo(
            id="", account_id=account_id, type=self.type, name="", config={}, webhook_url=""
        )
        try:
            data = await self.hub.read_media(owner, attachment_id)
        except LookupError:
            return Response("not found", status_code=404)
        return Response(data, media_type=content_type)

    # ------------------------------------------------------------------ demos

    def simulated_webhook(self, channel: ChannelInfo, sender: str, text: str) -> SimulatedRequest:
        cfg = self.settings(channel)
        params = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "AccountSid": cfg.account_sid,
            "From": self.address(sender),
            "To": self.address(cfg.from_number or "+10000000000"),
            "Body": text,
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        if cfg.messaging_service_sid:
            params["MessagingServiceSid"] = cfg.messaging_service_sid
        return signed_form(cfg.webhook_signing_key or cfg.auth_token, channel.webhook_url, params)


def _offered(template: TwilioTemplate) -> ChannelTemplate:
    """A configured template as the hub offers it (``body`` only when it has one)."""
    offered = ChannelTemplate(
        name=template.name,
        sid=template.sid,
        language=template.language,
        variables=template.variables,
    )
    if template.body is not None:
        offered["body"] = template.body
    return offered


def signed_form(token: str, url: str, params: dict[str, str]) -> SimulatedRequest:
    """A form POST signed the way Twilio signs it (HMAC-SHA1 over URL + sorted params)."""
    signature = RequestValidator(token).compute_signature(url, params)
    return SimulatedRequest(
        body=urlencode(params).encode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-twilio-signature": signature,
        },
    )


def map_error(status: int, code: str, text: str) -> RetryableSendError | PermanentSendError:
    """429, 5xx and Twilio's rate-limit codes may pass later; other 4xx never will."""
    prefix = "Unable to create record: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    if status == 429 or status >= 500 or code in RETRYABLE_CODES:
        return RetryableSendError(code, text)
    return PermanentSendError(code, text)
