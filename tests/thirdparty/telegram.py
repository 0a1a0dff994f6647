"""``parley-telegram``: a minimal third-party connector with its own kind of address.

It stands for a package someone else ships: it imports only ``hub.contract``,
declares a ``telegram`` address kind (chat ids) and is found by the hub
through the ``parley.connectors`` entry point of its own distribution
(``install_distribution`` writes one into a temporary folder on ``sys.path``,
as ``pip install`` would). Its protocol is the Bot API's, cut down: an update
per webhook with a secret-token header, ``sendMessage`` to send.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel
from starlette.requests import Request

from hub.contract import (
    Address,
    AddressKind,
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
    WebhookResult,
)

API = "https://telegram-api.test"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
DISTRIBUTION = "parley_telegram-0.1.0"

#: A Telegram chat id: an integer (negative for groups).
TELEGRAM = AddressKind(name="telegram", label="Telegram chat", pattern=r"-?[0-9]{5,15}")


class TelegramConfig(BaseModel):
    bot_token: str
    secret_token: str = ""
    api_base_url: str = API


class TelegramConnector(Connector):
    """Telegram bots: one update per webhook, ``sendMessage`` out; no delivery reports."""

    type: ClassVar[str] = "telegram"
    label: ClassVar[str] = "Telegram"
    capabilities: ClassVar[Capabilities] = Capabilities(max_text_length=4096, address_kind=TELEGRAM)
    Config = TelegramConfig

    def validate_config(self, config: dict[str, Any]) -> dict[str, Any]:
        valid = TelegramConfig.model_validate(config)
        if not valid.secret_token:
            valid.secret_token = secrets.token_urlsafe(24)
        return valid.model_dump()

    async def parse_webhook(self, request: Request, channel: ChannelInfo) -> WebhookResult:
        expected = channel.config.get("secret_token", "")
        if not expected or not secrets.compare_digest(
            request.headers.get(SECRET_HEADER, ""), expected
        ):
            raise SignatureError("the secret token does not match")
        try:
            message = json.loads(await request.body())["message"]
            chat = message["chat"]
            name = " ".join(p for p in (chat.get("first_name"), chat.get("last_name")) if p)
            inbound = InboundMessage(
                provider_message_id=f"{chat['id']}:{message['message_id']}",
                sender=Address(kind=TELEGRAM.name, value=str(chat["id"]), name=name or None),
                text=message.get("text", ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedRequest(f"not a Telegram update: {exc}") from None
        return WebhookResult(messages=[inbound])

    async def send(self, channel: ChannelInfo, message: OutboundMessage) -> SendResult:
        url = f"{channel.config['api_base_url']}/bot{channel.config['bot_token']}/sendMessage"
        try:
            response = await self.hub.http.post(
                url, json={"chat_id": message.to.value, "text": message.text}
            )
        except httpx.TransportError as exc:
            raise RetryableSendError("network", str(exc)) from None
        data = response.json()
        if response.status_code == 429 or response.status_code >= 500:
            after = (data.get("parameters") or {}).get("retry_after")
            raise RetryableSendError(str(response.status_code), data.get("description", ""), after)
        if not data.get("ok"):
            raise PermanentSendError(str(data.get("error_code")), data.get("description", ""))
        return SendResult(provider_message_id=str(data["result"]["message_id"]))


def update(
    config: dict[str, Any], message_id: str, chat_id: str, text: str
) -> tuple[bytes, dict[str, str]]:
    """A webhook request as Telegram sends it: its body and headers."""
    body = json.dumps(
        {
            "update_id": 1,
            "message": {
                "message_id": message_id,
                "chat": {"id": chat_id, "first_name": "Tele", "last_name": "Gram"},
                "text": text,
            },
        }
    ).encode()
    headers = {"content-type": "application/json", SECRET_HEADER: config["secret_token"]}
    return body, headers


_installed: list[Path] = []


def install_distribution() -> Path:
    """Put a throwaway ``parley-telegram`` distribution on ``sys.path`` (once per process).

    Its ``entry_points.txt`` names this module's connector in the ``parley.connectors``
    group, exactly as an installed package's would; the hub's registry finds it there.
    """
    if _installed:
        return _installed[0]
    root = Path(tempfile.mkdtemp(prefix="parley-telegram-"))
    info = root / f"{DISTRIBUTION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: parley-telegram\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(
        "[parley.connectors]\ntelegram = tests.thirdparty.telegram:TelegramConnector\n"
    )
    sys.path.append(str(root))
    _installed.append(root)
    return root
