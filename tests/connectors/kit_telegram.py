"""Conformance kit for the third-party Telegram connector of ``tests/thirdparty``.

Importing the kit installs that connector's throwaway distribution, so the
suite's ``installed_connectors()`` finds it through its entry point.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pytest_httpx import HTTPXMock

from tests.connectors.conformance import Kit, WebRequest
from tests.thirdparty.telegram import API, SECRET_HEADER, install_distribution, update

install_distribution()

TOKEN = "123:kit-token"


class TelegramKit:
    type = "telegram"
    permanent_code = "400"

    def __init__(self, httpx_mock: HTTPXMock) -> None:
        self.httpx_mock = httpx_mock

    def config(self) -> dict[str, Any]:
        return {"bot_token": TOKEN, "secret_token": "kit-secret", "api_base_url": API}

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest:
        body, headers = update(config, provider_id, sender, text)
        return WebRequest(body=body, headers=headers)

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None:
        return None  # Telegram reports no delivery states

    def tamper(self, request: WebRequest) -> WebRequest:
        return WebRequest(request.body, {**request.headers, SECRET_HEADER: "wrong"}, request.query)

    async def arrange_send(self, outcome: str, provider_id: str) -> None:
        url = f"{API}/bot{TOKEN}/sendMessage"
        if outcome == "ok":
            reply = {"ok": True, "result": {"message_id": provider_id}}
            self.httpx_mock.add_response(url=url, method="POST", json=reply)
        elif outcome == "retryable":
            busy = {"ok": False, "error_code": 429, "description": "Too Many Requests"}
            self.httpx_mock.add_response(url=url, method="POST", status_code=429, json=busy)
        else:
            refused = {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
            self.httpx_mock.add_response(url=url, method="POST", status_code=400, json=refused)

    def sender_address(self) -> str:
        return "555000111"


@asynccontextmanager
async def make_kit(httpx_mock: HTTPXMock) -> AsyncIterator[Kit]:
    yield TelegramKit(httpx_mock)


KITS = {"telegram": make_kit}
