"""SLA rules as DESIGN.md states them, on the test clock: a CSAT answer, an automated
message and a bot-handled message never start, stop or restart a clock; a resolved
conversation reopened by a real customer question starts a new first-response clock."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.centre import changes
from hub.centre.csat import answers as csat
from hub.centre.csat import surveys
from hub.centre.reports import live
from hub.centre.sla import clocks as sla
from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.api.conftest import eventually, inbound, serve
from tests.centre.test_sla import breaches, policy, pro, reload
from tests.conftest import Clock, Running, Tenant, make_tenant
from tests.inbox.conftest import add_user, session_client

AGENT = Sender(type="agent", id="agent-1", name="Ann")
CUSTOMER = "+4520123456"
BOT_ADDONS = ["generic_api", "chatbot_api"]


async def _conversation(tenant: Tenant) -> Conversation:
    found = await Conversation.find({"account_id": tenant.account.id}).to_list()
    assert len(found) == 1, found
    return found[0]


async def _survey_awaits(conversation: Conversation) -> bool:
    found = await reload(conversation)
    return bool(found.csat_survey and found.csat_survey.get("awaiting_until"))


async def _report(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, tuple[int, int, int]]:
    r = await client.get("/api/v1/reports/sla", headers=tenant.auth)
    assert r.status_code == 200, r.text
    return {x["kind"]: (x["met"], x["breached"], x["open_at_risk"]) for x in r.json()["rows"]}


async def test_a_csat_answer_after_resolve_starts_no_clock(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, running: Running
) -> None:
    tenant = await pro(hub)
    assert tenant.account.id is not None
    await csat.configure(tenant.account.id, True, None)
    await policy(client, tenant, first_response_minutes=2, resolution_minutes=60)
    await inbound(client, tenant.webhook, "q1", CUSTOMER, "Where is my parcel?")
    conversation = await _conversation(tenant)
    clock.advance(minutes=1)
    await outbox.enqueue(hub, conversation, text="It left today.", sender=AGENT)
    clock.advance(minutes=1)
    await changes.update_conversation(tenant.account.id, str(conversation.id), {"status": "resolved"})  # fmt: skip
    await surveys.send_due(hub)
    await eventually(lambda: _survey_awaits(conversation), "the survey")
    resolved = await reload(conversation)
    before = resolved.sla
    assert before is not None and "resolution" in before["done"]

    clock.advance(seconds=5)  # the customer taps "5 (great)"
    await inbound(client, tenant.webhook, "a1", CUSTOMER, "5 (great)", payload="csat:5")
    rated = await reload(conversation)
    assert rated.status == "resolved" and rated.csat is not None and rated.csat["rating"] == 5
    assert rated.sla == before  # no clock started, stopped or restarted
    assert rated.sla_next_due is None and rated.sla_due is None and rated.sla_risk_at is None

    clock.advance(minutes=2)  # exactly the policy's minutes after the answer
    assert await sla.tick() == 0
    assert await breaches(tenant) == []
    after = await reload(conversation)
    assert after.sla is not None and after.sla["breaches"] == []
    assert after.sla["resolution_due_at"] == before["resolution_due_at"]  # not restarted
    assert await _report(client, tenant) == {
        "first_response": (1, 0, 0),
        "resolution": (1, 0, 0),
    }
    agent = await add_user(tenant, "ann@pro.test", "agent", "Ann")
    async with session_client(running, agent) as page:
        listing = await page.get("/inbox?status=resolved")
        assert listing.status_code == 200 and str(conversation.id) in listing.text
        assert "overdue" not in listing.text

    # A real question afterwards reopens it and starts a new first-response clock.
    await inbound(client, tenant.webhook, "q2", CUSTOMER, "And my second parcel?")
    reopened = await reload(conversation)
    assert reopened.status == "open" and reopened.sla is not None
    due = clock.at + dt.timedelta(minutes=2)
    assert reopened.sla["first_response_due_at"] == due
    assert reopened.sla["resolution_due_at"] == clock.at + dt.timedelta(minutes=60)


async def test_automated_messages_start_and_restart_no_clock(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    assert tenant.account.id is not None
    await policy(client, tenant, first_response_minutes=2, next_response_minutes=5)
    # An auto-reply (a bounce, an out-of-office) that opens a conversation starts nothing.
    await inbound(client, tenant.webhook, "auto0", "+4520123457", "Out of office", automated=True)
    opened = await _conversation(tenant)
    assert (await reload(opened)).sla is None and opened.sla_next_due is None
    # A real question starts the clocks; after the reply an auto-reply restarts nothing.
    await inbound(client, tenant.webhook, "q1", CUSTOMER, "Where is my parcel?")
    conversation = await Conversation.find_one(
        Conversation.account_id == tenant.account.id,
        Conversation.contact_key == f"phone:{CUSTOMER}",
    )
    assert conversation is not None and conversation.sla is not None
    clock.advance(minutes=1)
    await outbox.enqueue(hub, conversation, text="It left today.", sender=AGENT)
    before = (await reload(conversation)).sla
    assert before is not None and before["next_response_due_at"] is None
    clock.advance(minutes=1)
    await inbound(client, tenant.webhook, "auto1", CUSTOMER, "Auto: I am away", automated=True)
    message = await Message.find_one({"provider_message_id": "auto1"})
    assert message is not None and message.automated
    assert (await reload(conversation)).sla == before
    clock.advance(minutes=10)
    assert await sla.tick() == 0 and await breaches(tenant) == []
    # A real customer message after the reply does start next response.
    await inbound(client, tenant.webhook, "q2", CUSTOMER, "Thanks, and the other one?")
    state = (await reload(conversation)).sla
    assert state is not None
    assert state["next_response_due_at"] == clock.at + dt.timedelta(minutes=5)


async def _bot(client: httpx.AsyncClient, tenant: Tenant, url: str) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/bots",
        json={"name": "FAQ", "webhook_url": url, "channel_ids": [str(tenant.channel.id)]},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _accept(request: Request) -> Response:
    return JSONResponse({})


BOT_RECEIVER = Starlette(routes=[Route("/webhook", _accept, methods=["POST"])])


async def test_a_bot_handled_conversation_runs_no_clock_until_handed_over(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await make_tenant(hub, "Bot Co", plan="PRO", addons=BOT_ADDONS)
    assert tenant.account.id is not None
    await policy(client, tenant, first_response_minutes=2, resolution_minutes=60)
    async with serve(BOT_RECEIVER) as base:
        creds = await _bot(client, tenant, f"{base}/webhook")
        await inbound(client, tenant.webhook, "q1", CUSTOMER, "Hello bot")
        conversation = await _conversation(tenant)
        assert conversation.handler == "bot" and conversation.sla is None
        clock.advance(minutes=1)
        await inbound(client, tenant.webhook, "q2", CUSTOMER, "Still there?")
        clock.advance(minutes=10)
        assert await sla.tick() == 0 and await breaches(tenant) == []
        assert (await reload(conversation)).sla is None
        assert (await live.snapshot(tenant.account))[0].waiting == 0

        # The hand-over starts the clocks as for a new human conversation.
        bot = {"Authorization": f"Bearer {creds['token']}"}
        r = await client.post(
            f"/api/v1/bot/conversations/{conversation.id}/handoff",
            json={"note": "A person, please"},
            headers=bot,
        )
        assert r.status_code == 200, r.text
        handed = await reload(conversation)
        assert handed.handler == "human" and handed.sla is not None
        assert handed.sla["first_response_due_at"] == clock.at + dt.timedelta(minutes=2)
        assert handed.sla["resolution_due_at"] == clock.at + dt.timedelta(minutes=60)
        (queue,) = await live.snapshot(tenant.account)
        assert queue.waiting == 1 and queue.conversation_ids == [conversation.id]
        r = await client.get(f"/api/v1/conversations/{conversation.id}", headers=tenant.auth)
        assert r.json()["sla"]["first_response_due_at"] is not None
        clock.advance(minutes=3)
        assert await sla.tick() == 1  # now a person is late, as for any new conversation
