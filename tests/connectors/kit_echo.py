"""Conformance kit for the test connector of ``tests/fakes.py``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pytest_httpx import HTTPXMock

from tests.connectors.conformance import Kit, WebRequest
from tests.fakes import TEST_API, sign


class EchoKit:
    type = "test"
    permanent_code = "21211"

    def __init__(self, httpx_mock: HTTPXMock) -> None:
        self.httpx_mock = httpx_mock

    def config(self) -> dict[str, Any]:
        return {"secret": "kit-secret", "api_base_url": TEST_API}

    def _signed(self, config: dict[str, Any], data: dict[str, Any]) -> WebRequest:
        body = json.dumps(data).encode()
        headers = {
            "content-type": "application/json",
            "x-test-signature": sign(config["secret"], body),
        }
        return WebRequest(body=body, headers=headers)

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest:
        return self._signed(
            config, {"messages": [{"id": provider_id, "from": sender, "text": text}]}
        )

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None:
        return self._signed(config, {"statuses": [{"id": provider_id, "status": status}]})

    def tamper(self, request: WebRequest) -> WebRequest:
        return WebRequest(
            request.body, {**request.headers, "x-test-signature": "0" * 64}, request.query
        )

    async def arrange_send(self, outcome: str, provider_id: str) -> None:
        url = f"{TEST_API}/send"
        if outcome == "ok":
            self.httpx_mock.add_response(url=url, method="POST", json={"sid": provider_id})
        elif outcome == "retryable":
            self.httpx_mock.add_response(url=url, method="POST", status_code=503, text="busy")
        else:
            self.httpx_mock.add_response(
                url=url,
                method="POST",
                status_code=400,
                json={"code": 21211, "message": "bad number"},
            )

    def sender_address(self) -> str:
        return "+4520000001"


@asynccontextmanager
async def make_kit(httpx_mock: HTTPXMock) -> AsyncIterator[Kit]:
    yield EchoKit(httpx_mock)


KITS = {"test": make_kit}
