"""Twilio through the running hub: sends, errors, media, the WhatsApp window, RCS content."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from connectors.twilio.base import map_error
from hub.contract import (
    PermanentSendError,
    QuickReply,
    RetryableSendError,
    now,
)
from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.web.answers import status_of
from tests.conftest import Tenant, make_tenant
from tests.connectors.conformance import installed_connectors, outbound, payload, wait_delivery
from tests.connectors.kit_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGES_URL,
    TWILIO_STUB,
    TwilioKit,
    signed,
)

TEMPLATE_SID = "HX" + "b" * 32


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


def kit_for(type: str, httpx_mock: HTTPXMock) -> TwilioKit:
    prefix = {"twilio_sms": "", "twilio_whatsapp": "whatsapp", "twilio_rcs": "rcs"}[type]
    return TwilioKit(type, prefix, "twilio/inbound_sms.json", httpx_mock)


async def line(hub: Hub, type: str, **extra: Any) -> Tenant:
    config = {**kit_for(type, None).config(), **extra}  # type: ignore[arg-type]
    return await make_tenant(hub, name=f"Acme {type}", channel_type=type, config=config)


async def customer_writes(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, kit: TwilioKit, text: str, sid: str
) -> Conversation:
    url = hub.channel_info(tenant.channel).webhook_url
    request = kit.inbound(url, tenant.channel.config, sid, "+4520123456", text)
    answer = await client.post(tenant.webhook, content=request.body, headers=request.headers)
    assert answer.status_code == 200, answer.text
    assert answer.text.endswith("<Response/>")
    conversation = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conversation is not None
    return conversation


def sent_form(httpx_mock: HTTPXMock, url: str = MESSAGES_URL) -> dict[str, list[str]]:
    request = httpx_mock.get_requests(url=url)[-1]
    assert request.headers["authorization"] == httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)._auth_header
    return parse_qs(request.content.decode())


def ok(httpx_mock: HTTPXMock, sid: str, **fields: Any) -> None:
    answer = {**payload("twilio/message_created.json"), "sid": sid, **fields}
    httpx_mock.add_response(url=MESSAGES_URL, method="POST", status_code=201, json=answer)


async def test_sms_reply_carries_status_callback(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_sms")
    conv = await customer_writes(
        client, hub, tenant, kit_for("twilio_sms", httpx_mock), "hi", "SM1"
    )
    ok(httpx_mock, "SMout1", num_segments="2")
    reply = await outbox.enqueue(hub, conv, text="Hello there", sender=Sender(type="agent"))
    stored = await wait_delivery(reply.id)  # type: ignore[arg-type]
    assert (stored.delivery, stored.provider_message_id) == ("sent", "SMout1")
    assert stored.metadata["segments"] == 2
    sent = sent_form(httpx_mock)
    assert sent["To"] == ["+4520123456"] and sent["From"] == ["+13105555555"]
    assert sent["Body"] == ["Hello there"]
    assert sent["StatusCallback"] == [hub.channel_info(tenant.channel).webhook_url]


async def test_sms_quick_replies_go_out_numbered_and_a_number_comes_back_as_payload(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_sms")
    kit = kit_for("twilio_sms", httpx_mock)
    conv = await customer_writes(client, hub, tenant, kit, "hi", "SM2")
    ok(httpx_mock, "SMout2")
    options = [QuickReply(title="Yes", payload="yes"), QuickReply(title="No", payload="no")]
    reply = await outbox.enqueue(
        hub, conv, text="Keep the booking?", sender=Sender(type="bot"), quick_replies=options
    )
    await wait_delivery(reply.id)  # type: ignore[arg-type]
    assert sent_form(httpx_mock)["Body"] == ["Keep the booking?\n\n1. Yes\n2. No"]
    await customer_writes(client, hub, tenant, kit, " 2 ", "SM3")
    answer = await Message.find_one(Message.provider_message_id == "SM3")
    assert answer is not None and answer.payload == "no"
    await customer_writes(client, hub, tenant, kit, "3", "SM4")  # no third option
    other = await Message.find_one(Message.provider_message_id == "SM4")
    assert other is not None and other.payload is None


async def test_whatsapp_free_text_refused_outside_window_template_sent(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    template = {
        "name": "order_update",
        "sid": TEMPLATE_SID,
        "language": "en",
        "variables": ["name", "order"],
    }
    tenant = await line(hub, "twilio_whatsapp", templates=[template])
    conv = await customer_writes(
        client, hub, tenant, kit_for("twilio_whatsapp", httpx_mock), "hi", "SM5"
    )
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"last_inbound_at": now() - dt.timedelta(hours=25)}}
    )
    conv = await Conversation.get(conv.id)
    assert conv is not None
    before = await Message.find(Message.conversation_id == conv.id).count()
    with pytest.raises(outbox.OutboxError) as refused:
        await outbox.enqueue(hub, conv, text="Are you there?", sender=Sender(type="agent"))
    assert (refused.value.code, status_of(refused.value)) == ("outside_reply_window", 422)
    assert "(order_update)" in refused.value.message  # the approved templates are offered
    assert await Message.find(Message.conversation_id == conv.id).count() == before
    ok(httpx_mock, "SMout3")
    ref = {"name": "order_update", "variables": {"name": "Mette", "order": "A-17"}}
    reply = await outbox.enqueue(hub, conv, template=ref, sender=Sender(type="agent"))
    assert (await wait_delivery(reply.id)).delivery == "sent"  # type: ignore[arg-type]
    sent = sent_form(httpx_mock)
    assert sent["To"] == ["whatsapp:+4520123456"] and sent["From"] == ["whatsapp:+13105555555"]
    assert sent["ContentSid"] == [TEMPLATE_SID]
    assert json.loads(sent["ContentVariables"][0]) == {"1": "Mette", "2": "A-17"}
    assert "Body" not in sent


async def test_unknown_template_fails_with_a_reason(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_whatsapp")
    conv = await customer_writes(
        client, hub, tenant, kit_for("twilio_whatsapp", httpx_mock), "hi", "SM6"
    )
    reply = await outbox.enqueue(hub, conv, template={"name": "nope"}, sender=Sender(type="agent"))
    stored = await wait_delivery(reply.id)  # type: ignore[arg-type]
    assert stored.delivery == "failed" and stored.error is not None
    assert stored.error.code == "unknown_template"


async def test_rcs_suggested_replies_via_content_api_and_sms_fallback_recorded(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    service = "MG" + "c" * 32
    tenant = await line(hub, "twilio_rcs", messaging_service_sid=service)
    kit = kit_for("twilio_rcs", httpx_mock)
    conv = await customer_writes(client, hub, tenant, kit, "hi", "SM7")
    content = {**payload("twilio/content_created.json"), "sid": TEMPLATE_SID}
    httpx_mock.add_response(
        url=f"{TWILIO_STUB}/v1/Content", method="POST", status_code=201, json=content
    )
    ok(httpx_mock, "SMout4", **{"from": None, "messaging_service_sid": service})
    options = [
        QuickReply(title="Today", payload="slot_today"),
        QuickReply(title="Tomorrow", payload="slot_tomorrow"),
    ]
    card = {"title": "Pick a slot", "media": ["https://shop.example/van.png"]}
    reply = await outbox.enqueue(
        hub,
        conv,
        text="When shall we come?",
        sender=Sender(type="bot"),
        quick_replies=options,
        metadata={"card": card},
    )
    stored = await wait_delivery(reply.id)  # type: ignore[arg-type]
    assert stored.delivery == "sent" and stored.metadata["sms_fallback_possible"] is True
    created = json.loads(httpx_mock.get_requests(url=f"{TWILIO_STUB}/v1/Content")[0].content)
    assert created["types"]["twilio/card"]["title"] == "Pick a slot"
    assert [a["id"] for a in created["types"]["twilio/card"]["actions"]] == [
        "slot_today",
        "slot_tomorrow",
    ]
    assert "2. Tomorrow" in created["types"]["twilio/text"]["body"]
    sent = sent_form(httpx_mock)
    assert sent["ContentSid"] == [TEMPLATE_SID] and sent["MessagingServiceSid"] == [service]
    assert sent["To"] == ["+4520123456"]  # a plain number: Twilio may fall back to SMS
    callback = {
        **payload("twilio/status_sms_fallback_delivered.json"),
        "MessageSid": "SMout4",
        "SmsSid": "SMout4",
    }
    request = signed(AUTH_TOKEN, hub.channel_info(tenant.channel).webhook_url, callback)
    assert (
        await client.post(tenant.webhook, content=request.body, headers=request.headers)
    ).is_success
    final = await Message.get(reply.id)
    assert final is not None and final.delivery == "delivered"
    assert (final.metadata["channel"], final.metadata["sms_fallback"]) == ("sms", True)


async def test_inbound_media_fetched_with_account_credentials(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_sms")
    params = payload("twilio/inbound_mms.json")
    first = params["MediaUrl0"].replace("https://api.twilio.com", TWILIO_STUB)
    second = params["MediaUrl1"].replace("https://api.twilio.com", TWILIO_STUB)
    cdn = "https://cdn.stub/media/abc.jpg"
    httpx_mock.add_response(url=first, status_code=307, headers={"location": cdn})
    httpx_mock.add_response(
        url=cdn, content=b"\xff\xd8jpeg-bytes", headers={"content-type": "image/jpeg"}
    )
    httpx_mock.add_response(
        url=second,
        headers={"content-length": str(6 * 1024 * 1024)},
        content=b"x" * (6 * 1024 * 1024),
    )
    request = signed(
        AUTH_TOKEN,
        hub.channel_info(tenant.channel).webhook_url,
        {**params, "AccountSid": ACCOUNT_SID},
    )
    assert (
        await client.post(tenant.webhook, content=request.body, headers=request.headers)
    ).is_success
    stored = await Message.find_one(Message.provider_message_id == params["MessageSid"])
    assert stored is not None
    assert [a.content_type for a in stored.attachments] == ["image/jpeg"]
    assert await hub.media.get(tenant.account.id, stored.attachments[0].id) == (
        b"\xff\xd8jpeg-bytes",
        "image/jpeg",
    )  # type: ignore[arg-type]
    assert "larger than" in stored.metadata["media_errors"][0]["error"]
    fetch = httpx_mock.get_requests(url=first)[0]
    assert fetch.headers["authorization"] == httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN)._auth_header


async def test_outbound_media_served_to_twilio_by_signed_url(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_sms")
    conv = await customer_writes(
        client, hub, tenant, kit_for("twilio_sms", httpx_mock), "hi", "SM8"
    )
    attachment = await hub.media.put(tenant.account.id, b"PNGDATA", "map.png", "image/png")  # type: ignore[arg-type]
    ok(httpx_mock, "MMout1")
    reply = await outbox.enqueue(
        hub, conv, text="Here", attachments=[attachment], sender=Sender(type="agent")
    )
    await wait_delivery(reply.id)  # type: ignore[arg-type]
    [url] = sent_form(httpx_mock)["MediaUrl"]
    path = url.removeprefix(hub.public_url)
    fetched = await client.get(path)
    assert (fetched.status_code, fetched.content) == (200, b"PNGDATA")
    assert fetched.headers["content-type"] == "image/png"
    assert (await client.get(path.replace("sig=", "sig=0"))).status_code == 403
    other = await make_tenant(hub, "Globex")
    assert (
        await client.get(path.replace(str(tenant.account.id), str(other.account.id)))
    ).status_code == 403


@pytest.mark.parametrize(
    ("status", "fixture", "kind"),
    [
        (400, "error_21211.json", PermanentSendError),
        (400, "error_21610.json", PermanentSendError),
        (400, "error_63016.json", PermanentSendError),
        (429, "error_20429.json", RetryableSendError),
        (500, "error_20500.json", RetryableSendError),
    ],
)
async def test_twilio_errors_are_mapped(
    hub: Hub, httpx_mock: HTTPXMock, status: int, fixture: str, kind: type
) -> None:
    tenant = await line(hub, "twilio_sms")
    body = payload(f"twilio/{fixture}")
    httpx_mock.add_response(url=MESSAGES_URL, method="POST", status_code=status, json=body)
    with pytest.raises(kind) as raised:
        await hub.registry.get("twilio_sms").send(hub.channel_info(tenant.channel), outbound())
    assert raised.value.code == str(body["code"])
    assert raised.value.message == body["message"]


async def test_network_failure_is_retryable(hub: Hub, httpx_mock: HTTPXMock) -> None:
    tenant = await line(hub, "twilio_sms")
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=MESSAGES_URL)
    with pytest.raises(RetryableSendError) as raised:
        await hub.registry.get("twilio_sms").send(hub.channel_info(tenant.channel), outbound())
    assert raised.value.code == "network"


def test_error_mapping_table() -> None:
    assert isinstance(map_error(400, "63018", "rate"), RetryableSendError)
    assert isinstance(map_error(404, "20404", "gone"), PermanentSendError)


async def test_simulated_webhook_is_accepted(client: httpx.AsyncClient, hub: Hub) -> None:
    for type in ("twilio_sms", "twilio_whatsapp", "twilio_rcs"):
        tenant = await line(hub, type)
        connector = hub.registry.get(type)
        simulated = connector.simulated_webhook(
            hub.channel_info(tenant.channel), "+4520999999", "hi from the demo"
        )
        answer = await client.post(
            tenant.webhook, content=simulated.body, headers=simulated.headers
        )
        assert answer.status_code == 200, answer.text
        stored = await Message.find_one(Message.channel_id == tenant.channel.id)
        assert stored is not None and stored.text == "hi from the demo"
        assert stored.metadata["from"] == "+4520999999"


async def test_rcs_status_that_beats_the_send_answer_still_records_the_channel(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_rcs", messaging_service_sid="MG" + "d" * 32)
    conv = await customer_writes(
        client, hub, tenant, kit_for("twilio_rcs", httpx_mock), "hi", "SM9"
    )
    url = hub.channel_info(tenant.channel).webhook_url
    fallback = {
        **payload("twilio/status_sms_fallback_delivered.json"),
        "MessageSid": "SMout9",
        "SmsSid": "SMout9",
    }

    async def report_first(request: httpx.Request) -> httpx.Response:
        early = signed(AUTH_TOKEN, url, fallback)  # Twilio's callback arrives first
        answer = await client.post(tenant.webhook, content=early.body, headers=early.headers)
        assert answer.is_success
        created = {**payload("twilio/message_created.json"), "sid": "SMout9", "from": None}
        return httpx.Response(201, json=created)

    httpx_mock.add_callback(report_first, url=MESSAGES_URL, method="POST")
    reply = await outbox.enqueue(hub, conv, text="On its way", sender=Sender(type="agent"))
    await wait_delivery(reply.id, {"delivered"})  # type: ignore[arg-type]
    stored = await Message.get(reply.id)
    assert stored is not None and stored.provider_message_id == "SMout9"
    assert (stored.metadata["channel"], stored.metadata["sms_fallback"]) == ("sms", True)


async def test_whatsapp_quick_replies_become_content_api_buttons(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub, "twilio_whatsapp")
    kit = kit_for("twilio_whatsapp", httpx_mock)
    conv = await customer_writes(client, hub, tenant, kit, "hi", "SM10")
    content = {**payload("twilio/content_created.json"), "sid": TEMPLATE_SID}
    httpx_mock.add_response(
        url=f"{TWILIO_STUB}/v1/Content", method="POST", status_code=201, json=content
    )
    ok(httpx_mock, "SMout10")
    options = [QuickReply(title="Yes", payload="yes"), QuickReply(title="No", payload="no")]
    reply = await outbox.enqueue(
        hub, conv, text="Keep it?", sender=Sender(type="bot"), quick_replies=options
    )
    await wait_delivery(reply.id)  # type: ignore[arg-type]
    created = json.loads(httpx_mock.get_requests(url=f"{TWILIO_STUB}/v1/Content")[0].content)
    buttons = created["types"]["twilio/quick-reply"]
    assert buttons == {
        "body": "Keep it?",
        "actions": [{"title": "Yes", "id": "yes"}, {"title": "No", "id": "no"}],
    }
    sent = sent_form(httpx_mock)
    assert sent["ContentSid"] == [TEMPLATE_SID] and "Body" not in sent
    # The phone shows buttons, so a typed "1" is text, not the first option.
    await customer_writes(client, hub, tenant, kit, "1", "SM11")
    typed = await Message.find_one(Message.provider_message_id == "SM11")
    assert typed is not None and typed.payload is None
