"""The widget's visitor API: config, origins, identity, idempotency, limits, isolation, media."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.contract import QuickReply
from hub.models import Contact, Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.tenants import accounts
from hub.tenants.auth import csrf_token, login
from tests.conftest import Running, Tenant
from tests.widget.conftest import HUB_ORIGIN, SHOP, chat_tenant, open_session, visitor
from webchat_widget import api, session
from webchat_widget.limits import Limit
from webchat_widget.session import identity_hash

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c40000000049454e44ae426082"
)


async def test_channel_add_returns_embed_and_secret(hub: Hub, chat: Tenant) -> None:
    channel_id = str(chat.channel.id)
    assert chat.channel_extra["embed"] == (
        f'<script src="http://hub.test/widget/v1/loader.js" data-channel="{channel_id}" '
        "async></script>"
    )
    secret = chat.channel_extra["identity_secret"]
    assert len(secret) == 64 and secret == chat.channel.config["identity_secret"]
    assert chat.channel.config["allowed_origins"] == [SHOP]
    for bad in (
        {},
        {"allowed_origins": ["not a url"]},
        {"allowed_origins": [SHOP], "language": "de"},
        {"allowed_origins": [SHOP], "business_hours": {"timezone": "Mars/Base", "days": {}}},
        {"allowed_origins": [SHOP], "business_hours": {"days": {"mon": [["17:00", "09:00"]]}}},
    ):
        with pytest.raises(accounts.AdminError):
            await accounts.create_channel(hub, chat.account, "webchat", "bad", bad)


async def test_message_stored_once_per_key(client: httpx.AsyncClient, chat: Tenant) -> None:
    v = await visitor(client, chat, name="Vera")
    first = await v.say("Hello there", "key-00000001")
    assert first.status_code == 201, first.text
    again = await v.say("Hello there", "key-00000001")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    stored = await Message.find(Message.account_id == chat.account.id).to_list()
    assert [(m.text, m.direction, m.delivery) for m in stored] == [
        ("Hello there", "in", "received")
    ]
    conversation = await Conversation.get(stored[0].conversation_id)
    assert conversation is not None and conversation.channel_type == "webchat"
    assert conversation.contact_name == "Vera" and conversation.unread == 1
    assert [m["text"] for m in await v.history()] == ["Hello there"]
    # The same key from another visitor is another message.
    other = await visitor(client, chat)
    assert (await other.say("Me too", "key-00000001")).json()["id"] != first.json()["id"]
    bad = await v.say("x", "short")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_key"
    hook = await client.post(f"/webhooks/webchat/{chat.channel.id}", json={"text": "x"})
    assert hook.status_code == 400
    assert (await v.say("   ", "key-00000002")).status_code == 400
    huge = await v.say("x" * 70_000, "key-00000003")
    assert huge.status_code == 413
    r = await client.post("/widget/v1/messages", content=b"{not json", headers=v.headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = await client.post("/widget/v1/messages", json=["a list"], headers=v.headers)
    assert r.status_code == 400


async def test_agent_reply_reaches_history(
    hub: Hub, client: httpx.AsyncClient, chat: Tenant
) -> None:
    v = await visitor(client, chat)
    await v.say("Can I pay by invoice?", "key-00000001")
    conversation = await Conversation.find_one(Conversation.account_id == chat.account.id)
    assert conversation is not None
    reply = await outbox.enqueue(
        hub,
        conversation,
        text="Yes. <b>Shall</b> I set it up?",
        sender=Sender(type="agent", name="Alex Agent"),
        quick_replies=[QuickReply(title="Yes please", payload="INVOICE_YES")],
    )
    await outbox.enqueue(
        hub, conversation, text="internal", sender=Sender(type="agent"), private=True
    )
    for _ in range(200):
        sent = await Message.get(reply.id)
        if sent is not None and sent.delivery == "delivered":
            break
        await asyncio.sleep(0.02)
    assert sent is not None and sent.delivery == "delivered"
    assert sent.provider_message_id == f"webchat:{reply.id}"
    history = await v.history()
    assert [m["text"] for m in history] == [
        "Can I pay by invoice?",
        "Yes. <b>Shall</b> I set it up?",
    ]
    assert history[1]["sender_name"] == "Alex Agent"
    assert history[1]["quick_replies"] == [{"title": "Yes please", "payload": "INVOICE_YES"}]
    tap = await v.say("Yes please", "key-00000002", payload="INVOICE_YES")
    assert tap.status_code == 201 and tap.json()["payload"] == "INVOICE_YES"


async def test_origins(client: httpx.AsyncClient, chat: Tenant) -> None:
    refused = await open_session(client, chat, origin="https://evil.example")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    v = await visitor(client, chat)
    evil = {"Origin": "https://evil.example", "Authorization": f"Bearer {v.token}"}
    r = await client.post(
        "/widget/v1/messages", json={"key": "key-00000001", "text": "hi"}, headers=evil
    )
    assert r.status_code == 403
    assert (await client.get("/widget/v1/messages", headers=evil)).status_code == 403
    # The shop itself may call the API directly; a look-alike host may not.
    assert (
        await client.get("/widget/v1/messages", headers={**evil, "Origin": SHOP})
    ).status_code == 200
    assert (
        await client.get(
            "/widget/v1/messages", headers={**evil, "Origin": "https://shop.example.evil.test"}
        )
    ).status_code == 403
    assert await Message.find_all().count() == 0


async def test_frame_policy(client: httpx.AsyncClient, chat: Tenant) -> None:
    ok = await client.get(f"/widget/v1/frame?channel={chat.channel.id}&origin={SHOP}&lang=da")
    assert ok.status_code == 200
    assert "frame-ancestors https://shop.example" in ok.headers["content-security-policy"]
    assert 'data-lang="da"' in ok.text
    evil = await client.get(f"/widget/v1/frame?channel={chat.channel.id}&origin=https://evil.test")
    assert (
        evil.status_code == 403
        and "frame-ancestors 'none'" in evil.headers["content-security-policy"]
    )
    assert (await client.get("/widget/v1/frame?channel=nope")).status_code == 404
    assert (
        (await client.get("/widget/v1/loader.js"))
        .headers["content-type"]
        .startswith("text/javascript")
    )
    assert (await client.get("/widget/v1/secrets.txt")).status_code == 404


async def test_identity_verification(hub: Hub, client: httpx.AsyncClient) -> None:
    tenant = await chat_tenant(hub, "Bank", require_identity=True)
    secret = tenant.channel.config["identity_secret"]
    anonymous = await open_session(client, tenant)
    assert anonymous.status_code == 403 and anonymous.json()["error"]["code"] == "identity_required"
    wrong = await open_session(client, tenant, user_id="u-42", user_hash=identity_hash("x", "u-42"))
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "identity_invalid"
    good = await open_session(
        client, tenant, user_id="u-42", user_hash=identity_hash(secret, "u-42"), name="Ann"
    )
    assert good.status_code == 200 and good.json()["verified"] is True
    contact = await Contact.find_one(Contact.account_id == tenant.account.id)
    assert contact is not None and contact.name == "Ann"
    assert contact.addresses == ["visitor:user:u-42"]
    v = await visitor(client, tenant, user_id="u-42", user_hash=identity_hash(secret, "u-42"))
    await v.say("Where is my card?", "key-00000001")
    # Another device of the same verified user sees the same conversation.
    again = await visitor(client, tenant, user_id="u-42", user_hash=identity_hash(secret, "u-42"))
    assert [m["text"] for m in await again.history()] == ["Where is my card?"]
    stored = await Message.find_one(Message.account_id == tenant.account.id)
    assert stored is not None and stored.metadata["from"] == "user:u-42"
    assert stored.metadata["verified"] is True


async def test_rate_limits(
    client: httpx.AsyncClient, chat: Tenant, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    monkeypatch.setattr(api, "VISITOR_LIMIT", Limit(3, api.MINUTE))
    monkeypatch.setattr(api, "IP_LIMIT", Limit(5, api.MINUTE))
    v = await visitor(client, chat)
    codes = [(await v.say(f"m{i}", f"key-0000000{i}")).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    r = await v.say("m9", "key-00000009")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    # The IP's budget is shared by every visitor from it (5 in all; 3 used above).
    w = await visitor(client, chat)
    codes = [(await w.say(f"n{i}", f"key-1000000{i}")).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert await Message.find(Message.account_id == chat.account.id).count() == 5
    counters = await hub.database["widget_rates"].count_documents({})
    assert counters >= 3


async def test_tenant_isolation(hub: Hub, client: httpx.AsyncClient, chat: Tenant) -> None:
    other = await chat_tenant(hub, "Globex")
    mine = await visitor(client, chat)
    theirs = await visitor(client, other)
    await mine.say("mine", "key-00000001")
    upload = await client.post(
        "/widget/v1/messages",
        data={"key": "key-00000002", "text": ""},
        files={"file": ("p.png", PNG, "image/png")},
        headers=theirs.headers,
    )
    assert upload.status_code == 201, upload.text
    their_file = upload.json()["attachments"][0]["id"]
    assert [m["text"] for m in await mine.history()] == ["mine"]
    assert [m["attachments"][0]["id"] for m in await theirs.history()] == [their_file]
    r = await client.get(f"/widget/v1/media/{their_file}", headers=mine.headers)
    assert r.status_code == 404
    ticket = await theirs.ticket()
    ok = await client.get(f"/widget/v1/media/{their_file}?ticket={ticket}")
    assert ok.status_code == 200 and ok.content == PNG
    assert ok.headers["x-content-type-options"] == "nosniff"
    # A read-only ticket cannot post, and cannot read the other visitor's files.
    as_bearer = {**HUB_ORIGIN, "Authorization": f"Bearer {ticket}"}
    r = await client.post(
        "/widget/v1/messages", json={"key": "key-00000009", "text": "x"}, headers=as_bearer
    )
    assert r.status_code == 401
    mine_ticket = await mine.ticket()
    r = await client.get(f"/widget/v1/media/{their_file}?ticket={mine_ticket}")
    assert r.status_code == 404
    # A token is bound to its channel: it cannot open a session on another account's channel.
    resumed = await open_session(client, other, token=mine.token)
    assert resumed.status_code == 200 and resumed.json()["token"] != mine.token
    stranger = resumed.json()["token"]
    h = {**HUB_ORIGIN, "Authorization": f"Bearer {stranger}"}
    assert (await client.get("/widget/v1/messages", headers=h)).json()["data"] == []
    # Even a correctly signed token is refused when its account is not the channel's.
    crossed = session.issue(
        hub.secret_key,
        session.Visitor(
            channel_id=str(other.channel.id),
            account_id=str(chat.account.id),
            visitor_id="anon:x",
            origin=SHOP,
        ),
    )
    h = {**HUB_ORIGIN, "Authorization": f"Bearer {crossed}"}
    assert (await client.get("/widget/v1/messages", headers=h)).status_code == 401
    forged = mine.token[:-4] + ("AAAA" if not mine.token.endswith("AAAA") else "BBBB")
    h = {**HUB_ORIGIN, "Authorization": f"Bearer {forged}"}
    assert (await client.get("/widget/v1/messages", headers=h)).status_code == 401
    assert (await client.get("/widget/v1/messages", headers=HUB_ORIGIN)).status_code == 401
    # An inbox user of another account cannot type into this conversation.
    conversation = await Conversation.find_one(Conversation.account_id == chat.account.id)
    assert conversation is not None
    r = await client.post(
        "/widget/v1/agent/typing",
        json={"conversation_id": str(conversation.id), "typing": True},
    )
    assert r.status_code == 401


async def test_attachment_limits(
    client: httpx.AsyncClient, chat: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    v = await visitor(client, chat)
    r = await client.post(
        "/widget/v1/messages",
        data={"key": "key-00000001"},
        files={"file": ("x.html", b"<script>", "text/html")},
        headers=v.headers,
    )
    assert r.status_code == 415
    monkeypatch.setattr(api, "MAX_MEDIA_BYTES", 100)
    r = await client.post(
        "/widget/v1/messages",
        data={"key": "key-00000002"},
        files={"file": ("big.png", PNG * 10, "image/png")},
        headers=v.headers,
    )
    assert r.status_code == 413
    assert await Message.find_all().count() == 0


async def test_business_hours_and_contact(hub: Hub, client: httpx.AsyncClient) -> None:
    closed = {"timezone": "Europe/Copenhagen", "days": {}}
    tenant = await chat_tenant(
        hub, "Nightshop", business_hours=closed, prechat_fields=["name", "email"]
    )
    r = await open_session(client, tenant)
    assert r.json()["open"] is False and r.json()["prechat_fields"] == ["name", "email"]
    v = await visitor(client, tenant)
    bad = await client.post("/widget/v1/contact", json={"email": "nope"}, headers=v.headers)
    assert bad.status_code == 400
    r = await client.post(
        "/widget/v1/contact", json={"email": "ann@example.com", "name": "Ann"}, headers=v.headers
    )
    assert r.status_code == 200
    contact = await Contact.find_one(Contact.account_id == tenant.account.id)
    assert contact is not None and contact.email == "ann@example.com" and contact.name == "Ann"
    assert contact.attributes["reply_by_email"] is True
    v.token = r.json()["token"]
    await v.say("Are you open tomorrow?", "key-00000001")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None and conversation.contact_id == contact.id
    resumed = await open_session(client, tenant, token=v.token)
    assert resumed.json()["prechat_fields"] == []
    always = await chat_tenant(hub, "Daylight")
    assert (await open_session(client, always)).json()["open"] is True


async def test_demo_page(hub: Hub, client: httpx.AsyncClient) -> None:
    assert (await client.get("/widget/demo")).status_code == 404
    account = await accounts.create_account("Demo Shop", "HUB", 3, [], slug="demo")
    channel, _ = await accounts.create_channel(
        hub, account, "webchat", "Demo chat", {"allowed_origins": ["http://hub.test"]}
    )
    page = await client.get("/widget/demo")
    assert page.status_code == 200
    assert f'data-channel="{channel.id}"' in page.text
    assert 'src="http://hub.test/widget/v1/loader.js"' in page.text


async def test_agent_typing(running: Running, chat: Tenant) -> None:
    hub, client = running.hub, running.client
    other = await chat_tenant(hub, "Globex")
    user = await accounts.create_user(
        chat.account, "alex@shop.example", "pw-123456789", "agent", "Alex"
    )

    async def sign_in(request: Request) -> JSONResponse:
        # The inbox's sign-in is not part of this package; this uses the same hub.auth calls.
        login(request, user)
        return JSONResponse({"csrf": csrf_token(request)})

    running.app.router.routes.append(Route("/test-sign-in", sign_in, methods=["POST"]))
    csrf = (await client.post("/test-sign-in")).json()["csrf"]
    v = await visitor(client, chat)
    await v.say("hello", "key-00000001")
    theirs = await visitor(client, other)
    await theirs.say("hello", "key-00000001")
    mine = await Conversation.find_one(Conversation.account_id == chat.account.id)
    foreign = await Conversation.find_one(Conversation.account_id == other.account.id)
    assert mine is not None and foreign is not None
    body = {"conversation_id": str(mine.id), "typing": True}
    assert (await client.post("/widget/v1/agent/typing", json=body)).status_code == 403
    headers = {"X-CSRF-Token": csrf}
    r = await client.post("/widget/v1/agent/typing", json=body, headers=headers)
    assert r.status_code == 204
    doc = await hub.database["widget_typing"].find_one({"conversation_id": mine.id})
    assert doc is not None and doc["side"] == "agent" and doc["name"] == "Alex" and doc["typing"]
    body = {"conversation_id": str(foreign.id), "typing": True}
    r = await client.post("/widget/v1/agent/typing", json=body, headers=headers)
    assert r.status_code == 404
    assert await hub.database["widget_typing"].count_documents({"conversation_id": foreign.id}) == 0
