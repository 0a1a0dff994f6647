"""Several senders through Twilio's HTTP boundary (stubbed by pytest-httpx)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.models import Conversation
from hub.pipeline.services import Hub
from tests.centre.helpers import eventually
from tests.conftest import make_tenant
from tests.connectors.conformance import installed_connectors, payload, wait_delivery
from tests.connectors.kit_twilio import MESSAGES_URL, TwilioKit, signed
from tests.connectors.test_twilio_outbound import sent_form

MAIN, SECOND = "+13105555555", "+13105550002"


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


def _accepted(httpx_mock: HTTPXMock) -> None:
    counter = iter(range(1000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            201, json={**payload("twilio/message_created.json"), "sid": f"SMo{next(counter)}"}
        )

    httpx_mock.add_callback(answer, url=MESSAGES_URL, method="POST", is_reusable=True)


async def test_a_reply_leaves_from_the_number_the_customer_wrote_to(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    kit = TwilioKit("twilio_sms", "", "twilio/inbound_sms.json", httpx_mock)
    config = {**kit.config(), "from_numbers": [SECOND]}
    tenant = await make_tenant(hub, "Two lines", channel_type="twilio_sms", config=config)
    _accepted(httpx_mock)
    url = hub.channel_info(tenant.channel).webhook_url
    request = kit.inbound(url, tenant.channel.config, "SMin1", "+4520123456", "hi")
    params = dict(parse_qsl(request.body.decode()))
    params["To"] = SECOND  # the customer wrote to the second number
    request = signed(tenant.channel.config["auth_token"], url, params)
    r = await client.post(tenant.webhook, content=request.body, headers=request.headers)
    assert r.status_code == 200, r.text
    conv = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conv is not None and conv.business_address == SECOND

    r = await client.post(
        f"/api/v1/conversations/{conv.id}/messages", json={"text": "Hello"}, headers=tenant.auth
    )
    assert r.status_code == 202 and r.json()["from"] == SECOND
    await wait_delivery(r.json()["id"])
    assert sent_form(httpx_mock)["From"] == [SECOND]

    r = await client.post(
        f"/api/v1/conversations/{conv.id}/messages",
        json={"text": "From the main line", "from": MAIN},
        headers=tenant.auth,
    )
    assert r.status_code == 202 and r.json()["from"] == MAIN
    await wait_delivery(r.json()["id"])
    assert sent_form(httpx_mock)["From"] == [MAIN]
    r = await client.get(f"/api/v1/messages/{r.json()['id']}", headers=tenant.auth)
    assert r.json()["from"] == MAIN

    r = await client.post(
        f"/api/v1/conversations/{conv.id}/messages",
        json={"text": "x", "from": "+19999999999"},
        headers=tenant.auth,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_sender"
    await eventually(lambda: _sent(httpx_mock), "two sends")


async def _sent(httpx_mock: HTTPXMock) -> bool:
    return len(httpx_mock.get_requests(url=MESSAGES_URL)) == 2
