"""The callback offer on SMS, through Twilio's HTTP boundary (stubbed by pytest-httpx).

A customer waits in a team whose offer becomes active; the hub sends ONE offer with the
windows as numbered text (SMS has no buttons), the customer answers "2", and a callback
for the second window and the number they wrote from is created and confirmed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.centre.callbacks import offer as callback_offer
from hub.models import CallbackRequest, Conversation, Message
from hub.pipeline.services import Hub
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import Clock, make_tenant
from tests.connectors.conformance import installed_connectors, payload, wait_delivery
from tests.connectors.kit_twilio import MESSAGES_URL, TwilioKit


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


def _sent_bodies(httpx_mock: HTTPXMock) -> list[str]:
    return [
        parse_qs(r.content.decode())["Body"][0] for r in httpx_mock.get_requests(url=MESSAGES_URL)
    ]


async def test_sms_customer_answers_2_and_gets_the_second_window(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    counter = iter(range(100))

    def created(request: httpx.Request) -> httpx.Response:
        body = {**payload("twilio/message_created.json"), "sid": f"SM{next(counter):032d}"}
        return httpx.Response(201, json=body)

    httpx_mock.add_callback(created, url=MESSAGES_URL, method="POST", is_reusable=True)
    kit = TwilioKit("twilio_sms", "", "twilio/inbound_sms.json", httpx_mock)
    tenant = await make_tenant(hub, name="Acme SMS", channel_type="twilio_sms", config=kit.config())
    team = await team_with_callbacks(hub, tenant)
    url = hub.channel_info(tenant.channel).webhook_url

    async def customer_writes(sid: str, text: str) -> None:
        request = kit.inbound(url, tenant.channel.config, sid, "+4520123456", text)
        r = await client.post(tenant.webhook, content=request.body, headers=request.headers)
        assert r.status_code == 200, r.text

    await customer_writes("SM" + "a" * 32, "Hello, is anyone there?")
    outbound = Message.find(Message.account_id == tenant.account.id, Message.direction == "out")
    await callback_offer.tick(hub)
    assert await outbound.count() == 0  # no wait yet: no offer
    clock.advance(minutes=6)
    await callback_offer.tick(hub)
    await callback_offer.tick(hub)
    assert await outbound.count() == 1  # one offer per conversation, however many rounds
    offer = await Message.find_one(
        Message.account_id == tenant.account.id, Message.direction == "out"
    )
    assert offer is not None
    await wait_delivery(offer.id)  # type: ignore[arg-type]
    [text] = _sent_bodies(httpx_mock)
    assert "1. 10:00-12:00 today" in text and "2. 14:00-16:00 today" in text
    assert "3. 10:00-12:00 tomorrow" in text
    conversation = await Conversation.get(offer.conversation_id)
    assert conversation is not None and conversation.waiting_since is not None  # still queued

    await customer_writes("SM" + "b" * 32, "2")
    [callback] = await CallbackRequest.find(
        CallbackRequest.account_id == tenant.account.id
    ).to_list()
    start, end = window(dt.date(2026, 3, 2), "14:00", "16:00")
    assert (callback.phone, callback.window_from, callback.window_until) == (
        "+4520123456",
        start,
        end,
    )
    assert (callback.team_id, callback.source, callback.status) == (
        str(team.id),
        "offer",
        "waiting",
    )
    assert callback.conversation_id == offer.conversation_id
    assert callback.contact_id == conversation.contact_id

    await customer_writes("SM" + "c" * 32, "1")  # a second answer creates nothing
    assert await CallbackRequest.find(CallbackRequest.account_id == tenant.account.id).count() == 1
    confirmations = await Message.find(
        Message.account_id == tenant.account.id,
        Message.direction == "out",
        Message.id != offer.id,
    ).to_list()
    assert [m.text for m in confirmations] == [
        "Thank you. We will call you on +4520123456 14:00-16:00 today."
    ]
