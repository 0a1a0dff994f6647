"""A test connector: a tiny provider protocol (JSON + HMAC) that exercises the whole hub.

It is a real ``Connector`` subclass: signature checks, statuses and send
outcomes go through the same hub code as the real channels. Sends go over
HTTP to ``api_base_url``, so tests stub the provider with pytest-httpx.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.contract import (
    PHONE,
    SECRET,
    Address,
    Capabilities,
    ChannelInfo,
    Connector,
    InboundMessage,
    MalformedRequest,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    SendResult,
    SignatureError,
    SimulatedRequest,
    StatusUpdate,
    WebhookResult,
)

TEST_API = "https://provider.test"


class TestConfig(BaseModel):
    secret: str = Field(default="s3cret", json_schema_extra=SECRET)
    api_base_url: str = TEST_API


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class EchoConnector(Connector):
    """``{"messages": [{"id", "from", "name"?, "text"}], "statuses": [{"id", "status"}]}``."""

    type: ClassVar[str] = "test"
    aliases: ClassVar[tuple[str, ...]] = ("t",)
    label = "Test channel"
    capabilities = Capabilities(
        media=True, max_text_length=1000, quick_replies=False, address_kind=PHONE
    )
    Config = TestConfig

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        body = await request.body()
        expected = sign(channel.config["secret"], body)
        if not hmac.compare_digest(request.headers.get("x-test-signature", ""), expected):
            raise SignatureError("bad test signature")
        try:
            data: dict[str, Any] = json.loads(body)
            messages = [
                InboundMessage(
                    provider_message_id=m["id"],
                    sender=Address(kind="phone", value=m["from"], name=m.get("name")),
                    text=m.get("text", ""),
                    payload=m.get("payload"),
                    automated=bool(m.get("automated", False)),  # an auto-reply, a bounce
                )
                for m in data.get("messages", [])
            ]
            statuses = [
                StatusUpdate(
                    provider_message_id=s["id"], status=s["status"], error_code=s.get("code")
                )
                for s in data.get("statuses", [])
            ]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedRequest(f"unreadable test payload: {exc}") from None
        return WebhookResult(
            messages=messages, statuses=statuses, response=JSONResponse({"ok": True})
        )

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        url = f"{channel.config['api_base_url']}/send"
        try:
            response = await self.hub.http.post(
                url, json={"to": message.to.value, "text": message.text, "id": message.id}
            )
        except httpx.TransportError as exc:
            raise RetryableSendError("network", str(exc)) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryableSendError(str(response.status_code), response.text)
        if response.status_code >= 400:
            data = response.json()
            raise PermanentSendError(str(data.get("code")), data.get("message", ""))
        return SendResult(provider_message_id=response.json()["sid"])

    def simulated_webhook(self, channel: ChannelInfo, sender: str, text: str) -> SimulatedRequest:
        import uuid

        body = json.dumps(
            {"messages": [{"id": uuid.uuid4().hex, "from": sender, "text": text}]}
        ).encode()
        return SimulatedRequest(
            body=body,
            headers={
                "content-type": "application/json",
                "x-test-signature": sign(channel.config["secret"], body),
            },
        )


def webhook_body(
    messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None
) -> bytes:
    return json.dumps({"messages": messages or [], "statuses": statuses or []}).encode()


def signed_headers(body: bytes, secret: str = "s3cret") -> dict[str, str]:
    return {"content-type": "application/json", "x-test-signature": sign(secret, body)}
