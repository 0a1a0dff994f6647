"""WhatsApp Cloud API: verification GET, batched webhooks of every type, Graph sends and errors."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.contract import PermanentSendError, QuickReply, RetryableSendError, now
from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant, make_tenant
from tests.connectors.conformance import installed_connectors, outbound, payload, wait_delivery
from tests.connectors.kit_whatsapp_cloud import (
    GRAPH_STUB,
    MESSAGES_URL,
    PHONE_NUMBER_ID,
    WhatsAppCloudKit,
    signed,
)

MEDIA_URL = f"{GRAPH_STUB}/v21.0/{PHONE_NUMBER_ID}/media"


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


async def line(hub: Hub, name: str = "Acme", **extra: Any) -> Tenant:
    config = {**WhatsAppCloudKit(None).config(), **extra}  # type: ignore[arg-type]
    return await make_tenant(hub, name=name, channel_type="whatsapp_cloud", config=config)


async def post(client: httpx.AsyncClient, tenant: Tenant, data: dict[str, Any]) -> httpx.Response:
    request = signed(tenant.channel.config["app_secret"], data)
    return await client.post(tenant.webhook, content=request.body, headers=request.headers)


async def test_get_verification(client: httpx.AsyncClient, hub: Hub) -> None:
    tenant = await line(hub)
    good = {
        "hub.mode": "subscribe",
        "hub.verify_token": "kit-verify-token",
        "hub.challenge": "1158201444",
    }
    answer = await client.get(tenant.webhook, params=good)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    bad = {**good, "hub.verify_token": "guess"}
    assert (await client.get(tenant.webhook, params=bad)).status_code == 403
    assert (
        await client.get(tenant.webhook, params={**good, "hub.mode": "unsubscribe"})
    ).status_code == 403
    other = await line(hub, "Globex", verify_token="globex-verify-token")
    assert (await client.get(other.webhook, params=good)).status_code == 403


async def test_generated_verify_token_is_shown_once(hub: Hub) -> None:
    config = WhatsAppCloudKit(None).config()  # type: ignore[arg-type]
    del config["verify_token"]
    tenant = await make_tenant(hub, channel_type="whatsapp_cloud", config=config)
    assert len(tenant.channel.config["verify_token"]) >= 16
    assert tenant.channel_extra["verify_token"] == tenant.channel.config["verify_token"]


async def test_batch_of_every_inbound_type(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub)
    cdn = "https://lookaside.stub/whatsapp_business/attachments/?mid=1"
    for media_id, size in (
        ("1003383421387256", 1024),
        ("1003383421387257", 10),
        ("1003383421387258", 99 * 1024 * 1024),
    ):
        info = {
            **payload("whatsapp_cloud/media_info.json"),
            "id": media_id,
            "file_size": size,
            "url": f"{cdn}{media_id}",
        }
        httpx_mock.add_response(url=f"{GRAPH_STUB}/v21.0/{media_id}", json=info)
    httpx_mock.add_response(url=f"{cdn}1003383421387256", content=b"JPEG")
    httpx_mock.add_response(url=f"{cdn}1003383421387257", content=b"OGG")
    assert (
        await post(client, tenant, payload("whatsapp_cloud/batch_all_types.json"))
    ).status_code == 200
    stored = {
        m.provider_message_id: m
        for m in await Message.find(Message.channel_id == tenant.channel.id).to_list()
    }
    assert "wamid.OTHERNUMBER" not in stored  # another number of the same app
    assert len(stored) == 11
    image = stored["wamid.IMAGE01"]
    assert image.text == "The box arrived like this" and len(image.attachments) == 1
    assert await hub.media.get(tenant.account.id, image.attachments[0].id) == (
        b"JPEG",
        "image/jpeg",
    )  # type: ignore[arg-type]
    media_fetch = httpx_mock.get_requests(url=f"{cdn}1003383421387256")[0]
    assert media_fetch.headers["authorization"] == "Bearer EAAkit-token"
    assert stored["wamid.AUDIO01"].attachments[0].content_type == "audio/ogg"
    assert stored["wamid.AUDIO01"].metadata["voice"] is True
    assert stored["wamid.DOC01"].attachments == []  # over the size limit: noted, not stored
    assert "larger than" in stored["wamid.DOC01"].metadata["media_errors"][0]["error"]
    location = stored["wamid.LOC01"].location
    assert location is not None and (location.latitude, location.name) == (37.483307, "Main Office")
    assert stored["wamid.CONTACTS01"].text == "Barbara J. Johnson +15555559999"
    assert (stored["wamid.BTNREPLY01"].payload, stored["wamid.BTNREPLY01"].reply_to) == (
        "track_order",
        "wamid.BUTTONS_SENT",
    )
    assert stored["wamid.LISTREPLY01"].payload == "slot_tomorrow"
    assert (stored["wamid.BUTTON01"].payload, stored["wamid.BUTTON01"].text) == (
        "stop_promotions",
        "Stop promotions",
    )
    reaction = stored["wamid.REACTION01"]
    assert (reaction.text, reaction.reply_to, reaction.metadata["reaction"]) == (
        "\U0001f44d",
        "wamid.AGENT_REPLY",
        True,
    )
    assert stored["wamid.QUOTED01"].reply_to == "wamid.AGENT_REPLY"
    assert stored["wamid.UNSUPPORTED01"].metadata["errors"][0]["code"] == 131051
    conversation = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conversation is not None and conversation.contact_key == "phone:+16505551234"
    assert conversation.contact_name == "Sheena Nelson"


async def test_statuses_with_errors(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub)
    conv = await customer_writes(client, tenant)
    data = payload("whatsapp_cloud/statuses.json")
    ids = [s["id"] for s in data["entry"][0]["changes"][0]["value"]["statuses"]]
    messages = []
    for wamid in ids:
        answer = payload("whatsapp_cloud/send_ok.json")
        answer["messages"][0]["id"] = wamid
        httpx_mock.add_response(url=MESSAGES_URL, method="POST", json=answer)
        reply = await outbox.enqueue(hub, conv, text="Update", sender=Sender(type="agent"))
        messages.append(await wait_delivery(reply.id))  # type: ignore[arg-type]
    assert (await post(client, tenant, data)).status_code == 200
    delivered, failed = [await Message.get(m.id) for m in messages]
    assert delivered is not None and delivered.delivery == "delivered"
    assert failed is not None and failed.delivery == "failed" and failed.error is not None
    assert failed.error.code == "131047"
    assert failed.error.message.startswith("Re-engagement message: Message failed to send")


async def customer_writes(
    client: httpx.AsyncClient, tenant: Tenant, text: str = "hi"
) -> Conversation:
    kit = WhatsAppCloudKit(None)  # type: ignore[arg-type]
    request = kit.inbound("", tenant.channel.config, f"wamid.in{text}", "16505551234", text)
    assert (
        await client.post(tenant.webhook, content=request.body, headers=request.headers)
    ).status_code == 200
    conversation = await Conversation.find_one(Conversation.channel_id == tenant.channel.id)
    assert conversation is not None
    return conversation


def ok(httpx_mock: HTTPXMock, wamid: str) -> None:
    answer = payload("whatsapp_cloud/send_ok.json")
    answer["messages"][0]["id"] = wamid
    httpx_mock.add_response(url=MESSAGES_URL, method="POST", json=answer)


def last_body(httpx_mock: HTTPXMock) -> dict[str, Any]:
    request = httpx_mock.get_requests(url=MESSAGES_URL)[-1]
    assert request.headers["authorization"] == "Bearer EAAkit-token"
    return json.loads(request.content)


async def send(hub: Hub, conv: Conversation, **kwargs: Any) -> Message:
    reply = await outbox.enqueue(hub, conv, sender=Sender(type="bot"), **kwargs)
    return await wait_delivery(reply.id)  # type: ignore[arg-type]


async def test_text_and_quick_replies_as_buttons_or_list(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    conv = await customer_writes(client, await line(hub))
    ok(httpx_mock, "wamid.t1")
    assert (await send(hub, conv, text="Hello")).provider_message_id == "wamid.t1"
    body = last_body(httpx_mock)
    assert (body["to"], body["type"], body["text"]["body"]) == ("16505551234", "text", "Hello")
    ok(httpx_mock, "wamid.t2")
    await send(
        hub,
        conv,
        text="Keep it?",
        quick_replies=[QuickReply(title="Yes", payload="y"), QuickReply(title="No", payload="n")],
    )
    interactive = last_body(httpx_mock)["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["y", "n"]
    ok(httpx_mock, "wamid.t3")
    slots = [QuickReply(title=f"Slot {i}", payload=f"slot_{i}") for i in range(5)]
    await send(hub, conv, text="When?", quick_replies=slots)
    listed = last_body(httpx_mock)["interactive"]
    assert listed["type"] == "list" and len(listed["action"]["sections"][0]["rows"]) == 5


async def test_template_outside_window_and_free_text_refused(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    templates = [{"name": "order_update", "language": "en_US", "variables": ["name", "order"]}]
    conv = await customer_writes(client, await line(hub, templates=templates))
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"last_inbound_at": now() - dt.timedelta(days=2)}}
    )
    conv = await Conversation.get(conv.id)  # type: ignore[assignment]
    with pytest.raises(outbox.OutboxError) as refused:
        await outbox.enqueue(hub, conv, text="Still there?", sender=Sender(type="agent"))
    assert refused.value.code == "outside_reply_window"
    assert "(order_update)" in refused.value.message
    ok(httpx_mock, "wamid.t4")
    ref = {"name": "order_update", "variables": {"order": "A-17", "name": "Sheena"}}
    assert (await send(hub, conv, template=ref)).delivery == "sent"
    template = last_body(httpx_mock)["template"]
    assert template["name"] == "order_update" and template["language"] == {"code": "en_US"}
    assert [p["text"] for p in template["components"][0]["parameters"]] == ["Sheena", "A-17"]


async def test_media_uploaded_then_sent(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant = await line(hub)
    conv = await customer_writes(client, tenant)
    attachment = await hub.media.put(
        tenant.account.id, b"%PDF-1.7", "invoice.pdf", "application/pdf"
    )  # type: ignore[arg-type]
    httpx_mock.add_response(url=MEDIA_URL, method="POST", json={"id": "4490709327384033"})
    ok(httpx_mock, "wamid.t5")
    await send(hub, conv, text="Your invoice", attachments=[attachment])
    upload = httpx_mock.get_requests(url=MEDIA_URL)[0]
    assert b"%PDF-1.7" in upload.content and b'name="messaging_product"' in upload.content
    body = last_body(httpx_mock)
    assert body["type"] == "document"
    assert body["document"] == {
        "id": "4490709327384033",
        "caption": "Your invoice",
        "filename": "invoice.pdf",
    }


@pytest.mark.parametrize(
    ("status", "fixture", "kind", "code"),
    [
        (400, "error_131030.json", PermanentSendError, "131030"),
        (400, "error_130429.json", RetryableSendError, "130429"),
        (503, None, RetryableSendError, "503"),
    ],
)
async def test_graph_errors_are_mapped(
    hub: Hub, httpx_mock: HTTPXMock, status: int, fixture: str | None, kind: type, code: str
) -> None:
    tenant = await line(hub)
    if fixture:
        httpx_mock.add_response(
            url=MESSAGES_URL,
            method="POST",
            status_code=status,
            json=payload(f"whatsapp_cloud/{fixture}"),
        )
    else:
        httpx_mock.add_response(
            url=MESSAGES_URL, method="POST", status_code=status, text="<html>busy</html>"
        )
    with pytest.raises(kind) as raised:
        await hub.registry.get("whatsapp_cloud").send(hub.channel_info(tenant.channel), outbound())
    assert raised.value.code == code
    if fixture == "error_131030.json":
        assert raised.value.message.endswith(
            "Add recipient phone number to recipient list and try again."
        )


async def test_simulated_webhook_is_accepted(client: httpx.AsyncClient, hub: Hub) -> None:
    tenant = await line(hub)
    simulated = hub.registry.get("whatsapp_cloud").simulated_webhook(
        hub.channel_info(tenant.channel), "+4520999999", "hi from the demo"
    )
    assert (
        await client.post(tenant.webhook, content=simulated.body, headers=simulated.headers)
    ).status_code == 200
    stored = await Message.find_one(Message.channel_id == tenant.channel.id)
    assert stored is not None and stored.metadata["from"] == "+4520999999"
