"""Translation: a French message gains a Danish translation off the request path, and a
Danish reply goes out in French with the agent's words kept."""

from __future__ import annotations

import json
from typing import Any

import httpx

from hub.models import Conversation, Message
from hub.pipeline.services import Hub
from tests.api.conftest import eventually, inbound
from tests.assist.conftest import use_assist
from tests.assist.standin import Answer, StandIn
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, session_client

FRENCH = "Bonjour, je n'ai toujours pas reçu ma commande, pouvez-vous m'aider ?"
DANISH_TRANSLATION = "Hej, jeg har stadig ikke modtaget min ordre, kan I hjælpe mig?"
DANISH_REPLY = "Hej, vi sender en ny pakke i dag. Undskyld ventetiden."
FRENCH_REPLY = "Bonjour, nous envoyons un nouveau colis aujourd'hui. Désolés pour l'attente."


async def _inbound(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, n: str, text: str
) -> Message:
    await inbound(client, tenant.webhook, n, "+33612345678", text)
    await hub.background.idle()  # the translation is made after the webhook's answer
    found = await Message.find_one(Message.account_id == tenant.account.id,
                                   Message.provider_message_id == n)  # fmt: skip
    assert found is not None
    return found


async def test_french_in_danish_out_in_french(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn, provider: Any
) -> None:
    await use_assist(hub, tenant.account, assist_endpoint, agent_language="da")
    assist_endpoint.answer(Answer(text=DANISH_TRANSLATION, delay=0.3))
    message = await _inbound(hub, client, tenant, "fr1", FRENCH)
    assert message.translation is not None
    assert message.translation.model_dump() == {"language": "fr", "text": DANISH_TRANSLATION}
    sent = assist_endpoint.last
    assert sent.messages[-1] == {"role": "user", "content": FRENCH}  # the text, in its own role
    assert "Danish" in sent.messages[0]["content"] and FRENCH not in sent.messages[0]["content"]
    # the API's message JSON carries it
    r = await client.get(f"/api/v1/messages/{message.id}", headers=tenant.auth)
    assert r.json()["translation"] == {"language": "fr", "text": DANISH_TRANSLATION}
    # a Danish message is not translated for Danish agents: no request
    before = len(assist_endpoint.requests)
    danish = await _inbound(
        hub, client, tenant, "da1", "Hej igen, jeg venter stadig på svar fra jer"
    )
    assert danish.translation is None and len(assist_endpoint.requests) == before
    # the agent answers in Danish, the customer gets French
    assist_endpoint.answer(FRENCH_REPLY)
    body = {"text": DANISH_REPLY, "translate_to": "fr"}
    r = await client.post(f"/api/v1/conversations/{message.conversation_id}/messages", json=body,
                          headers=tenant.auth)  # fmt: skip
    assert r.status_code == 202, r.text
    assert r.json()["text"] == FRENCH_REPLY and r.json()["original_text"] == DANISH_REPLY
    assert "French" in assist_endpoint.last.messages[0]["content"]

    async def delivered() -> list[dict[str, Any]]:
        return [
            json.loads(q.content) for q in provider.get_requests() if q.url.host == "provider.test"
        ]

    sends = await eventually(delivered, "the send to the provider")
    assert sends[0]["text"] == FRENCH_REPLY
    assert DANISH_REPLY not in json.dumps(sends)


async def test_translation_off_or_endpoint_down_leaves_the_message(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    await use_assist(hub, tenant.account, assist_endpoint, features={"translate": False})
    assert (await _inbound(hub, client, tenant, "a", FRENCH)).translation is None
    assert assist_endpoint.requests == []
    await use_assist(hub, tenant.account, assist_endpoint, features={"translate": True})
    assist_endpoint.answer(Answer(status=500, error="boom"))
    assert (await _inbound(hub, client, tenant, "b", FRENCH)).translation is None
    assert len(assist_endpoint.requests) == 1


async def test_composer_sends_translated(
    running: Running, hub: Hub, client: httpx.AsyncClient, tenant: Tenant,
    assist_endpoint: StandIn, provider: Any,
) -> None:  # fmt: skip
    await use_assist(hub, tenant.account, assist_endpoint, agent_language="da")
    message = await _inbound(hub, client, tenant, "fr1", FRENCH)
    agent = await add_user(tenant, "agent@acme.test", "agent")
    conversation = await Conversation.get(message.conversation_id)
    assert conversation is not None
    async with session_client(running, agent) as inbox:
        page = await inbox.get(f"/inbox/c/{conversation.id}")
        assist_endpoint.answer(FRENCH_REPLY)
        form = {"csrf": csrf_of(page.text), "kind": "reply", "text": DANISH_REPLY,
                "translate_to": "fr"}  # fmt: skip
        r = await inbox.post(f"/inbox/c/{conversation.id}/reply", data=form)
        assert r.status_code == 200, r.text
        out = await Message.find_one(Message.conversation_id == conversation.id,
                                     Message.direction == "out")  # fmt: skip
        assert out is not None and out.text == FRENCH_REPLY and out.original_text == DANISH_REPLY
        # the endpoint down: nothing is sent, the agent reads why
        assist_endpoint.answer(Answer(status=503, error={"message": "overloaded"}))
        r = await inbox.post(f"/inbox/c/{conversation.id}/reply", data=form)
        assert r.status_code == 422 and "(HTTP 503)" in r.text  # the inbox note (hub.inbox.assist)
        assert await Message.find(Message.conversation_id == conversation.id,
                                  Message.direction == "out").count() == 1  # fmt: skip


async def test_business_started_message_translated(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn, provider: Any
) -> None:
    await use_assist(hub, tenant.account, assist_endpoint, agent_language="da")
    assist_endpoint.answer(FRENCH_REPLY)
    body = {"channel_id": str(tenant.channel.id), "to": "+33612345678", "text": DANISH_REPLY,
            "translate_to": "fr"}  # fmt: skip
    r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    assert (r.json()["text"], r.json()["original_text"]) == (FRENCH_REPLY, DANISH_REPLY)
    # the endpoint down: 502, and no conversation or message is made
    assist_endpoint.answer(Answer(status=500, error="boom"))
    other = {**body, "to": "+33699999999"}
    r = await client.post("/api/v1/messages", json=other, headers=tenant.auth)
    assert r.status_code == 502 and "500 Internal Server Error: boom" in r.text
    assert await Conversation.find(Conversation.account_id == tenant.account.id).count() == 1
