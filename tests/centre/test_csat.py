"""CSAT through the providers' boundaries: SMS "reply 1-5" (Twilio stubbed), and email's link."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.centre import changes as conversation_changes
from hub.centre.csat import answers as csat
from hub.centre.csat import surveys as csat_surveys
from hub.facts.activity import events_between
from hub.models import Conversation, Message
from hub.pipeline.services import Hub
from tests.api.conftest import eventually
from tests.conftest import Clock, Tenant, make_tenant
from tests.connectors.conformance import installed_connectors
from tests.connectors.kit_twilio import MESSAGES_URL, TwilioKit

SMS_PROVIDER_IDS = iter(range(1_000_000))


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


def twilio_answers(httpx_mock: HTTPXMock) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        sid = f"SMout{next(SMS_PROVIDER_IDS)}"
        return httpx.Response(201, json={"sid": sid, "status": "queued", "num_segments": "1"})

    httpx_mock.add_callback(answer, url=MESSAGES_URL, method="POST", is_reusable=True)


def sent_bodies(httpx_mock: HTTPXMock) -> list[str]:
    return [
        parse_qs(r.content.decode())["Body"][0] for r in httpx_mock.get_requests(url=MESSAGES_URL)
    ]


async def sms_tenant(hub: Hub) -> tuple[Tenant, TwilioKit]:
    kit = TwilioKit("twilio_sms", "", "twilio/inbound_sms.json", None)  # type: ignore[arg-type]
    tenant = await make_tenant(hub, "Acme SMS", channel_type="twilio_sms", config=kit.config())
    await csat.configure(tenant.account.id, True, "How did Acme do today?")  # type: ignore[arg-type]
    return tenant, kit


async def texts(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, kit: TwilioKit, text: str, sid: str
) -> None:
    url = hub.channel_info(tenant.channel).webhook_url
    request = kit.inbound(url, tenant.channel.config, sid, "+4520123456", text)
    answer = await client.post(tenant.webhook, content=request.body, headers=request.headers)
    assert answer.status_code == 200, answer.text


async def resolve(tenant: Tenant, conversation_id: Any) -> None:
    await conversation_changes.update_conversation(
        tenant.account.id,  # type: ignore[arg-type]
        str(conversation_id),
        {"status": "resolved"},
    )


async def only_conversation(tenant: Tenant) -> Conversation:
    found = await Conversation.find({"account_id": tenant.account.id}).to_list()
    assert len(found) == 1, found
    return found[0]


async def survey_sent(httpx_mock: HTTPXMock, count: int = 1) -> list[str] | None:
    bodies = [b for b in sent_bodies(httpx_mock) if "1 to 5" in b]
    return bodies if len(bodies) >= count else None


async def test_sms_survey_goes_out_and_a_reply_4_is_the_rating(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    twilio_answers(httpx_mock)
    tenant, kit = await sms_tenant(hub)
    await texts(client, hub, tenant, kit, "My parcel is late", "SM1")
    conversation = await only_conversation(tenant)
    await resolve(tenant, conversation.id)
    await csat_surveys.send_due(hub)  # the app's loop may have sent it already
    [body] = await eventually(lambda: survey_sent(httpx_mock), "the survey SMS")
    assert body == "How did Acme do today? Reply with a number from 1 to 5."

    await texts(client, hub, tenant, kit, " 4 ", "SM2")
    after = await only_conversation(tenant)  # opens nothing
    assert after.status == "resolved"
    assert after.csat is not None and after.csat["rating"] == 4 and after.csat["comment"] is None
    answer = await Message.find_one({"provider_message_id": "SM2"})
    assert answer is not None and answer.conversation_id == conversation.id
    facts = await events_between(
        tenant.account.id,  # type: ignore[arg-type]
        dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
        kinds=["csat"],
    )
    assert [f.data["rating"] for f in facts] == [4]
    r = await client.get(f"/api/v1/conversations/{conversation.id}", headers=tenant.auth)
    assert r.json()["csat"]["rating"] == 4
    await csat_surveys.send_due(hub)
    await eventually(lambda: _last_is(httpx_mock, csat_surveys.THANKS_TEXT), "the thank-you SMS")

    await texts(client, hub, tenant, kit, " 4 ", "SM2")  # the provider's retry: nothing new
    assert (
        len(
            await events_between(
                tenant.account.id,  # type: ignore[arg-type]
                dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
                kinds=["csat"],
            )
        )
        == 1
    )
    await texts(client, hub, tenant, kit, "One more question", "SM3")  # now a normal message
    assert (await only_conversation(tenant)).status == "open"


async def test_sms_non_rating_gets_one_retry_then_is_a_normal_message(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    twilio_answers(httpx_mock)
    tenant, kit = await sms_tenant(hub)
    await texts(client, hub, tenant, kit, "Hi", "SM10")
    conversation = await only_conversation(tenant)
    await resolve(tenant, conversation.id)
    await csat_surveys.send_due(hub)
    await eventually(lambda: survey_sent(httpx_mock), "the survey SMS")
    await texts(client, hub, tenant, kit, "great, thanks", "SM11")
    assert (await only_conversation(tenant)).status == "resolved"
    await csat_surveys.send_due(hub)
    await eventually(lambda: survey_sent(httpx_mock, 2), "the retry prompt")
    assert sent_bodies(httpx_mock)[-1] == csat_surveys.RETRY_TEXT
    await texts(client, hub, tenant, kit, "when does the shop open?", "SM12")
    after = await only_conversation(tenant)
    assert after.status == "open" and after.csat is None


async def test_not_sent_again_when_reopened_and_resolved_within_a_day(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock, clock: Clock
) -> None:
    twilio_answers(httpx_mock)
    tenant, kit = await sms_tenant(hub)
    await texts(client, hub, tenant, kit, "Hi", "SM20")
    conversation = await only_conversation(tenant)
    await resolve(tenant, conversation.id)
    await csat_surveys.send_due(hub)
    await eventually(lambda: survey_sent(httpx_mock), "the survey SMS")
    await conversation_changes.update_conversation(
        tenant.account.id,
        str(conversation.id),
        {"status": "open"},  # type: ignore[arg-type]
    )
    clock.advance(hours=3)
    await resolve(tenant, conversation.id)
    assert (await only_conversation(tenant)).csat_due_at is None
    clock.advance(days=2)
    await conversation_changes.update_conversation(
        tenant.account.id,
        str(conversation.id),
        {"status": "open"},  # type: ignore[arg-type]
    )
    await resolve(tenant, conversation.id)
    assert (await only_conversation(tenant)).csat_due_at is not None  # a day later: again


async def test_no_survey_for_a_bot_conversation_or_when_off(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    tenant, kit = await sms_tenant(hub)
    await texts(client, hub, tenant, kit, "Hi", "SM30")
    conversation = await only_conversation(tenant)
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id}, {"$set": {"handler": "bot"}}
    )
    await resolve(tenant, conversation.id)
    assert (await only_conversation(tenant)).csat_due_at is None
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id}, {"$set": {"handler": "human", "status": "open"}}
    )
    await csat.configure(tenant.account.id, False, None)  # type: ignore[arg-type]
    await resolve(tenant, conversation.id)
    assert (await only_conversation(tenant)).csat_due_at is None


def test_ratings_are_read_from_text_and_payloads() -> None:
    assert csat.rating_of("4", None) == (4, None)
    assert csat.rating_of(" 5/5 great service", None) == (5, "great service")
    assert csat.rating_of("", "csat:2") == (2, None)
    for text in ("45", "0", "6", "four", "10 items", "", "4.5"):
        assert csat.rating_of(text, None) is None, text


async def test_email_survey_page_from_the_link_in_the_mail(
    client: httpx.AsyncClient, hub: Hub, mail_tenant: Tenant, receiver: Any
) -> None:
    from tests.email.conftest import smtp_send

    await csat.configure(mail_tenant.account.id, True, None)  # type: ignore[arg-type]
    await smtp_send(
        hub,
        b"From: Jane <jane@customer.example>\r\nTo: support@acme.example\r\n"
        b"Subject: Help\r\nMessage-ID: <s1@customer.example>\r\n\r\nHelp!\r\n",
    )
    conversation = await eventually(
        lambda: Conversation.find_one({"account_id": mail_tenant.account.id}), "mail in"
    )
    await resolve(mail_tenant, conversation.id)
    await csat_surveys.send_due(hub)
    await eventually(lambda: _mail(receiver), "the survey mail")
    mail = receiver.received[0].message
    assert mail["Subject"] and "How did we do?" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    link = re.search(r"http://hub\.test(/csat/[\w-]+)", text)
    assert link is not None, text

    page = await client.get(link.group(1))
    assert page.status_code == 200
    assert csat.DEFAULT_QUESTION in page.text and 'name="rating"' in page.text
    assert (await client.get(link.group(1))).status_code == 200  # looking does not use it
    bad = await client.post(link.group(1), data={"rating": "9"})
    assert bad.status_code == 400 and "1 to 5" in bad.text
    done = await client.post(link.group(1), data={"rating": "5", "comment": "Quick and kind"})
    assert done.status_code == 200 and "Thank you" in done.text
    stored = await Conversation.get(conversation.id)
    assert stored is not None and stored.csat is not None
    assert (stored.csat["rating"], stored.csat["comment"]) == (5, "Quick and kind")
    assert stored.status == "resolved"
    assert (await client.get(link.group(1))).status_code == 404  # used
    assert (await client.post(link.group(1), data={"rating": "1"})).status_code == 404
    assert (await client.get("/csat/forged-token-123")).status_code == 404


async def _mail(receiver: Any) -> bool:
    return bool(receiver.received)


async def _last_is(httpx_mock: HTTPXMock, text: str) -> bool:
    bodies = sent_bodies(httpx_mock)
    return bool(bodies) and bodies[-1] == text


async def test_a_rating_is_sent_as_csat_received(
    client: httpx.AsyncClient, hub: Hub, httpx_mock: HTTPXMock
) -> None:
    from tests.api.conftest import serve
    from tests.centre.test_sla import Receiver

    twilio_answers(httpx_mock)
    tenant, kit = await sms_tenant(hub)
    receiver = Receiver()
    async with serve(receiver.app) as base:
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/hook", "events": ["csat.received"]},
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        await texts(client, hub, tenant, kit, "Hi", "SM40")
        conversation = await only_conversation(tenant)
        await resolve(tenant, conversation.id)
        await csat_surveys.send_due(hub)
        await eventually(lambda: survey_sent(httpx_mock), "the survey SMS")
        await texts(client, hub, tenant, kit, "5 lovely", "SM41")
        await eventually(lambda: _received(receiver), "csat.received delivered")
    [event] = receiver.bodies
    assert event["type"] == "csat.received"
    assert event["data"]["conversation_id"] == str(conversation.id)
    assert (event["data"]["rating"], event["data"]["comment"]) == (5, "lovely")


async def _received(receiver: Any) -> bool:
    return bool(receiver.bodies)
