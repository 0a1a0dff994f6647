"""The chatbot API end to end, with examples/faq_bot.py as the bot on a real local port."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
from beanie import PydanticObjectId
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from examples.faq_bot import FaqBot
from hub.integrations import bots
from hub.models import Conversation, Message, WebhookDelivery
from hub.pipeline.services import Hub
from tests.api.conftest import eventually, inbound, serve
from tests.conftest import Tenant, make_tenant

BOT_ADDONS = ["generic_api", "chatbot_api"]


async def _register(client: httpx.AsyncClient, tenant: Tenant, url: str) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/bots",
        json={"name": "FAQ", "webhook_url": url, "channel_ids": [str(tenant.channel.id)]},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _messages(tenant: Tenant) -> list[Message]:
    return await Message.find(Message.account_id == tenant.account.id).sort("created_at").to_list()


async def test_full_bot_conversation(
    client: httpx.AsyncClient, hub: Hub, app: Starlette, provider: Any
) -> None:
    tenant = await make_tenant(hub, "Shop", addons=BOT_ADDONS)
    hub_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
    )
    bot = FaqBot("http://hub.test", "", "", http=hub_client)
    async with hub_client, serve(bot.app) as base:
        creds = await _register(client, tenant, f"{base}/webhook")
        bot.token, bot.secret = creds["token"], creds["secret"]

        await inbound(client, tenant.webhook, "b1", "+4570", "hi there")
        conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
        assert conv is not None and conv.handler == "bot" and conv.bot_id == creds["id"]

        async def bot_answered() -> Message | None:
            out = [m for m in await _messages(tenant) if m.sender.type == "bot"]
            return out[0] if out else None

        menu = await eventually(bot_answered, "the bot's menu")
        assert [q.payload for q in menu.quick_replies] == ["hours", "shipping", "returns", "agent"]

        # the customer taps "Talk to an agent": the tap arrives with its payload
        await inbound(client, tenant.webhook, "b2", "+4570", "4", payload="agent")

        async def handed_over() -> Conversation | None:
            found = await Conversation.get(conv.id)
            noted = any(m.private for m in await _messages(tenant))
            return found if found and found.handler == "human" and noted else None

        human = await eventually(handed_over, "the hand-over")
    assert human.status == "open" and human.waiting_since is not None
    notes = [m for m in await _messages(tenant) if m.private]
    assert len(notes) == 1 and "asked for an agent" in notes[0].text
    assert notes[0].sender.type == "bot"

    # bot routes now refuse: the conversation is with humans
    late = await client.post(
        f"/api/v1/bot/conversations/{conv.id}/messages",
        json={"text": "still here"},
        headers={"Authorization": f"Bearer {creds['token']}"},
    )
    assert late.status_code == 409 and late.json()["error"]["code"] == "handed_off"

    # an agent answers through the queue, and it is sent
    r = await client.post(
        f"/api/v1/conversations/{conv.id}/messages",
        json={"text": "Hello, Kim here. How can I help?"},
        headers=tenant.auth,
    )
    assert r.status_code == 202

    async def sent() -> bool:
        found = await Message.get(r.json()["id"])
        return found is not None and found.delivery == "sent"

    await eventually(sent, "the agent's reply sent")

    # the customer's next message stays with humans: the event goes out, not to the bot
    async def ok(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async with serve(Starlette(routes=[Route("/all", ok, methods=["POST"])])) as base:
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/all", "events": ["message.created"]},
            headers=tenant.auth,
        )
        await inbound(client, tenant.webhook, "b3", "+4570", "thanks")

        async def seen() -> bool:
            docs = await WebhookDelivery.find(
                WebhookDelivery.target_id == PydanticObjectId(r.json()["id"])
            ).to_list()
            return any('"thanks"' in d.body for d in docs)

        await eventually(seen, "the event of the next message")
    to_bot = await WebhookDelivery.find(WebhookDelivery.target == "bot").to_list()
    assert len(to_bot) == 2 and not any('"thanks"' in d.body for d in to_bot)


async def test_fallback_when_bot_is_down(
    client: httpx.AsyncClient, hub: Hub, provider: Any
) -> None:
    tenant = await make_tenant(hub, "Shop", addons=BOT_ADDONS)
    await _register(client, tenant, "http://127.0.0.1:9/webhook")  # nothing listens there
    await inbound(client, tenant.webhook, "d1", "+4571", "hello?")

    async def handed_over() -> Conversation | None:
        found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
        noted = any(m.private for m in await _messages(tenant))
        return found if found and found.handler == "human" and noted else None

    conv = await eventually(handed_over, "the fallback hand-over")
    assert conv.status == "open"
    notes = [m.text for m in await _messages(tenant) if m.private]
    assert notes == ["The bot's webhook kept failing; handed over to the team."]


async def test_fallback_when_bot_is_silent(client: httpx.AsyncClient, hub: Hub) -> None:
    tenant = await make_tenant(hub, "Shop", addons=BOT_ADDONS)
    received: list[bytes] = []

    async def silent(request: Request) -> JSONResponse:
        received.append(await request.body())
        return JSONResponse({"ok": True})  # takes the event, never answers

    async with serve(Starlette(routes=[Route("/w", silent, methods=["POST"])])) as base:
        await _register(client, tenant, f"{base}/w")
        await inbound(client, tenant.webhook, "s1", "+4572", "anyone?")
        await eventually(lambda: _async(received), "the bot's delivery")
    assert await bots.hand_over_unanswered(hub) == 0  # within the allowance: stays with the bot
    hub.settings = dataclasses.replace(hub.settings, bot_answer_timeout_seconds=0.01)

    async def moved() -> Conversation | None:
        await bots.hand_over_unanswered(hub)  # BotWatch runs the same check on its timer
        found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
        noted = any(m.private for m in await _messages(tenant))
        return found if found and found.handler == "human" and noted else None

    await eventually(moved, "the timed hand-over")
    notes = [m.text for m in await _messages(tenant) if m.private]
    assert len(notes) == 1 and "did not answer" in notes[0]


async def _async(value: Any) -> Any:
    return value


async def test_addon_rules(client: httpx.AsyncClient, hub: Hub) -> None:
    plain = await make_tenant(hub, "Plain", addons=["generic_api"])
    r = await client.get("/api/v1/bots", headers=plain.auth)
    assert r.status_code == 403 and r.json()["error"]["code"] == "addon_required"
    r = await client.post(
        "/api/v1/bots",
        json={"name": "x", "webhook_url": "http://127.0.0.1:9/", "channel_ids": ["x"]},
        headers=plain.auth,
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "addon_required"
    none = await make_tenant(hub, "None", addons=[])
    for path in ("/api/v1/contacts", "/api/v1/webhooks", "/api/v1/conversations"):
        r = await client.get(path, headers=none.auth)
        assert r.status_code == 403 and r.json()["error"]["code"] == "addon_required"

    # a bot whose account later loses the add-on is refused too
    shop = await make_tenant(hub, "Shop", addons=BOT_ADDONS)
    creds = await _register(client, shop, "http://127.0.0.1:9/")
    shop.account.addons = ["generic_api"]
    await shop.account.save()
    r = await client.get(
        "/api/v1/bot/conversations/000000000000000000000000",
        headers={"Authorization": f"Bearer {creds['token']}"},
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "addon_required"


async def test_bots_are_per_account(client: httpx.AsyncClient, hub: Hub, provider: Any) -> None:
    shop = await make_tenant(hub, "Shop", addons=BOT_ADDONS)
    rival = await make_tenant(hub, "Rival", addons=BOT_ADDONS)
    creds = await _register(client, shop, "http://127.0.0.1:9/")
    rival_creds = await _register(client, rival, "http://127.0.0.1:9/")
    taken = await client.post(
        "/api/v1/bots",
        json={
            "name": "x",
            "webhook_url": "http://127.0.0.1:9/",
            "channel_ids": [str(rival.channel.id)],
        },
        headers=shop.auth,
    )
    assert taken.status_code == 400 and taken.json()["error"]["code"] == "unknown_channel"
    assert (await client.get(f"/api/v1/bots/{creds['id']}", headers=rival.auth)).status_code == 404
    assert (
        await client.delete(f"/api/v1/bots/{creds['id']}", headers=rival.auth)
    ).status_code == 404
    listed = await client.get("/api/v1/bots", headers=rival.auth)
    assert [b["id"] for b in listed.json()["data"]] == [rival_creds["id"]]

    await inbound(client, shop.webhook, "p1", "+4573", "hi")
    conv = await Conversation.find_one(Conversation.account_id == shop.account.id)
    assert conv is not None
    rival_bot = {"Authorization": f"Bearer {rival_creds['token']}"}
    for path, body in (
        (f"/api/v1/bot/conversations/{conv.id}/messages", {"text": "x"}),
        (f"/api/v1/bot/conversations/{conv.id}/handoff", {}),
    ):
        assert (await client.post(path, json=body, headers=rival_bot)).status_code == 404
    # an API key is not a bot token, nor the reverse
    r = await client.post(
        f"/api/v1/bot/conversations/{conv.id}/messages", json={"text": "x"}, headers=shop.auth
    )
    assert r.status_code == 401
    bot_auth = {"Authorization": f"Bearer {creds['token']}"}
    assert (await client.get("/api/v1/contacts", headers=bot_auth)).status_code == 401

    # removing the bot gives its conversation to humans
    assert (
        await client.delete(f"/api/v1/bots/{creds['id']}", headers=shop.auth)
    ).status_code == 200
    conv = await Conversation.get(conv.id)
    assert conv is not None and conv.handler == "human"
    assert (await client.get("/api/v1/bot/conversations/x", headers=bot_auth)).status_code == 401
