"""Conformance kits for twilio_sms, twilio_whatsapp and twilio_rcs (Twilio stubbed by pytest-httpx)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode

from pytest_httpx import HTTPXMock
from twilio.request_validator import RequestValidator

from tests.connectors.conformance import Kit, WebRequest, payload

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "kit-auth-token"
TWILIO_STUB = "https://twilio.stub"
MESSAGES_URL = f"{TWILIO_STUB}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def signed(token: str, url: str, params: dict[str, str]) -> WebRequest:
    signature = RequestValidator(token).compute_signature(url, params)
    headers = {"content-type": "application/x-www-form-urlencoded", "x-twilio-signature": signature}
    return WebRequest(body=urlencode(params).encode(), headers=headers)


class TwilioKit:
    permanent_code = "21211"

    def __init__(self, type: str, prefix: str, fixture: str, httpx_mock: HTTPXMock) -> None:
        self.type = type
        self.prefix = prefix
        self.fixture = fixture
        self.httpx_mock = httpx_mock

    def config(self) -> dict[str, Any]:
        return {
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from_number": "+13105555555",
            "api_base_url": TWILIO_STUB,
        }

    def _address(self, value: str) -> str:
        return f"{self.prefix}:{value}" if self.prefix else value

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest:
        params = {k: v for k, v in payload(self.fixture).items() if not k.startswith("Button")}
        params.update(
            MessageSid=provider_id,
            SmsSid=provider_id,
            SmsMessageSid=provider_id,
            AccountSid=config["account_sid"],
            From=self._address(sender),
            Body=text,
        )
        return signed(config["auth_token"], webhook_url, params)

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None:
        params = payload("twilio/status_undelivered.json")
        del params["ErrorCode"]
        params.update(
            MessageSid=provider_id,
            SmsSid=provider_id,
            MessageStatus=status,
            SmsStatus=status,
            AccountSid=config["account_sid"],
            From=self._address(config["from_number"]),
        )
        return signed(config["auth_token"], webhook_url, params)

    def tamper(self, request: WebRequest) -> WebRequest:
        params = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        params["Body"] = params.get("Body", "") + " (changed)"
        return WebRequest(urlencode(params).encode(), request.headers, request.query)

    async def arrange_send(self, outcome: str, provider_id: str) -> None:
        if outcome == "ok":
            answer = {**payload("twilio/message_created.json"), "sid": provider_id}
            self.httpx_mock.add_response(
                url=MESSAGES_URL, method="POST", status_code=201, json=answer
            )
        elif outcome == "retryable":
            self.httpx_mock.add_response(
                url=MESSAGES_URL,
                method="POST",
                status_code=429,
                json=payload("twilio/error_20429.json"),
            )
        else:
            self.httpx_mock.add_response(
                url=MESSAGES_URL,
                method="POST",
                status_code=400,
                json=payload("twilio/error_21211.json"),
            )

    def sender_address(self) -> str:
        return "+4520123456"


def _factory(type: str, prefix: str, fixture: str) -> Any:
    @asynccontextmanager
    async def make_kit(httpx_mock: HTTPXMock) -> AsyncIterator[Kit]:
        yield TwilioKit(type, prefix, fixture, httpx_mock)

    return make_kit


KITS = {
    "twilio_sms": _factory("twilio_sms", "", "twilio/inbound_sms.json"),
    "twilio_whatsapp": _factory(
        "twilio_whatsapp", "whatsapp", "twilio/inbound_whatsapp_button.json"
    ),
    "twilio_rcs": _factory("twilio_rcs", "rcs", "twilio/inbound_rcs.json"),
}
