"""Conformance kit for whatsapp_cloud (the Graph API stubbed by pytest-httpx)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pytest_httpx import HTTPXMock

from tests.connectors.conformance import Kit, WebRequest, payload

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "kit-app-secret"
GRAPH_STUB = "https://graph.stub"
MESSAGES_URL = f"{GRAPH_STUB}/v21.0/{PHONE_NUMBER_ID}/messages"


def signed(app_secret: str, data: dict[str, Any]) -> WebRequest:
    body = json.dumps(data).encode()
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return WebRequest(
        body=body,
        headers={"content-type": "application/json", "x-hub-signature-256": f"sha256={digest}"},
    )


class WhatsAppCloudKit:
    type = "whatsapp_cloud"
    permanent_code = "131030"

    def __init__(self, httpx_mock: HTTPXMock) -> None:
        self.httpx_mock = httpx_mock

    def config(self) -> dict[str, Any]:
        return {
            "phone_number_id": PHONE_NUMBER_ID,
            "access_token": "EAAkit-token",
            "app_secret": APP_SECRET,
            "verify_token": "kit-verify-token",
            "api_base_url": GRAPH_STUB,
        }

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest:
        data = copy.deepcopy(payload("whatsapp_cloud/text.json"))
        value = data["entry"][0]["changes"][0]["value"]
        value["contacts"][0]["wa_id"] = sender
        message = value["messages"][0]
        message.update(id=provider_id, timestamp=str(int(time.time())), text={"body": text})
        message["from"] = sender
        return signed(config["app_secret"], data)

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None:
        data = copy.deepcopy(payload("whatsapp_cloud/statuses.json"))
        value = data["entry"][0]["changes"][0]["value"]
        value["statuses"] = [{**value["statuses"][0], "id": provider_id, "status": status}]
        return signed(config["app_secret"], data)

    def tamper(self, request: WebRequest) -> WebRequest:
        return WebRequest(
            request.body.replace(b"whatsapp", b"whatsapq", 1), request.headers, request.query
        )

    async def arrange_send(self, outcome: str, provider_id: str) -> None:
        if outcome == "ok":
            answer = payload("whatsapp_cloud/send_ok.json")
            answer["messages"][0]["id"] = provider_id
            self.httpx_mock.add_response(url=MESSAGES_URL, method="POST", json=answer)
        elif outcome == "retryable":
            self.httpx_mock.add_response(
                url=MESSAGES_URL,
                method="POST",
                status_code=400,
                json=payload("whatsapp_cloud/error_130429.json"),
            )
        else:
            self.httpx_mock.add_response(
                url=MESSAGES_URL,
                method="POST",
                status_code=400,
                json=payload("whatsapp_cloud/error_131030.json"),
            )

    def sender_address(self) -> str:
        return "16505551234"


@asynccontextmanager
async def make_kit(httpx_mock: HTTPXMock) -> AsyncIterator[Kit]:
    yield WhatsAppCloudKit(httpx_mock)


KITS = {"whatsapp_cloud": make_kit}
