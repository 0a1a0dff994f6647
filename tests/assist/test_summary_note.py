"""A summary as a private note on a transfer and on a bot's hand-over (summarize on)."""

from __future__ import annotations

import httpx

from hub.integrations import bots
from hub.models import Conversation, Message
from hub.pipeline.services import Hub
from tests.api.conftest import inbound
from tests.assist.conftest import use_assist
from tests.assist.standin import Answer, StandIn
from tests.conftest import Tenant
from tests.inbox.conftest import add_user

SUMMARY = "Wants a refund for a broken kettle. Photos received. Open: the refund."


async def _notes(conversation_id: object) -> list[Message]:
    return await Message.find(
        Message.conversation_id == conversation_id, Message.visibility == "note"
    ).to_list()


async def test_transfer_adds_a_summary_note(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    await use_assist(hub, tenant.account, assist_endpoint)
    await inbound(client, tenant.webhook, "m1", "+4512345678", "My kettle broke, I want a refund")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    ann = await add_user(tenant, "ann@acme.test", "agent")
    bob = await add_user(tenant, "bob@acme.test", "agent")
    url = f"/api/v1/conversations/{conversation.id}"
    assist_endpoint.answer(Answer(text=SUMMARY, delay=0.3))
    r = await client.patch(url, json={"assignee_id": str(ann.id)}, headers=tenant.auth)
    assert r.status_code == 200, r.text
    await hub.background.idle()
    assert await _notes(conversation.id) == []  # a first assignment is no transfer
    r = await client.patch(url, json={"assignee_id": str(bob.id)}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["assignee_id"] == str(bob.id)  # not waiting on it
    await hub.background.idle()
    notes = await _notes(conversation.id)
    assert [n.text for n in notes] == [f"Summary for the hand-over: {SUMMARY}"]
    assert notes[0].private and notes[0].sender.name == "Assist"
    assert "refund" in assist_endpoint.last.messages[-1]["content"]


async def test_bot_hand_over_summary_and_summarize_off(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    account = await use_assist(hub, tenant.account, assist_endpoint)
    await inbound(client, tenant.webhook, "m1", "+4512345678", "I need to change my address")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None and conversation.id is not None and account.id is not None
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id}, {"$set": {"handler": "bot"}}
    )
    assist_endpoint.answer(SUMMARY)
    assert await bots.handoff(hub, account.id, conversation.id) is not None
    await hub.background.idle()
    assert [n.text for n in await _notes(conversation.id)] == [
        f"Summary of the bot's conversation: {SUMMARY}"
    ]
    # summarize off: no note, no request
    await use_assist(hub, account, assist_endpoint, features={"summarize": False})
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id}, {"$set": {"handler": "bot"}}
    )
    asked = len(assist_endpoint.requests)
    assert await bots.handoff(hub, account.id, conversation.id) is not None
    await hub.background.idle()
    assert len(await _notes(conversation.id)) == 1 and len(assist_endpoint.requests) == asked
