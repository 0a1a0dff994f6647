"""A third-party connector, installed only through its distribution's entry point.

Nothing of the hub knows Telegram: the connector declares its ``telegram``
address kind, and search, the API's ``to`` and the contact panel read it.
(The conformance suite runs it too: ``tests/connectors/kit_telegram.py``.)
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.models import Contact, Conversation
from hub.pipeline.registry import discover
from hub.pipeline.services import Hub
from tests.conftest import CONNECTORS, Clock, Tenant, make_tenant
from tests.inbox.conftest import add_user, session_client
from tests.thirdparty.telegram import API, TelegramConnector, install_distribution, update

CHAT = "555000222"


@pytest.fixture
def connectors() -> dict[str, Any]:
    install_distribution()
    return {**CONNECTORS, "telegram": discover()["telegram"]}


@pytest.fixture
async def line(hub: Hub) -> Tenant:
    return await make_tenant(hub, channel_type="telegram", config={"bot_token": "9:tok"})


def test_found_through_its_entry_point() -> None:
    install_distribution()
    assert discover()["telegram"] is TelegramConnector


async def _writes(client: httpx.AsyncClient, line: Tenant, message_id: str, text: str) -> None:
    body, headers = update(line.channel.config, message_id, CHAT, text)
    response = await client.post(line.webhook, content=body, headers=headers)
    assert response.status_code == 200, response.text


async def test_contacts_have_its_address_kind_and_are_found_by_search(
    client: httpx.AsyncClient, hub: Hub, line: Tenant, clock: Clock, running: Any
) -> None:
    await _writes(client, line, "1", "Hello from Telegram")
    contact = await Contact.find_one(Contact.account_id == line.account.id)
    assert contact is not None and contact.addresses == [f"telegram:{CHAT}"]
    conversation = await Conversation.find_one(Conversation.account_id == line.account.id)
    assert conversation is not None
    # Months later the text search's window has passed: the chat id is found by its index.
    clock.advance(days=90)
    agent = await add_user(line, "agent@acme.test")
    async with session_client(running, agent) as inbox:
        found = await inbox.get("/inbox", params={"q": CHAT})
        assert found.status_code == 200 and str(conversation.id) in found.text
        assert str(conversation.id) not in (await inbox.get("/inbox?q=555000999")).text
        panel = await inbox.get(f"/inbox/c/{conversation.id}/contact")
        assert "Telegram chat" in panel.text and CHAT in panel.text


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_api_to_reads_its_kind(
    client: httpx.AsyncClient, line: Tenant, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=f"{API}/bot9:tok/sendMessage",
        json={"ok": True, "result": {"message_id": 7}},
        is_reusable=True,
    )
    body = {"channel_id": str(line.channel.id), "to": "555000333", "text": "Your order shipped"}
    response = await client.post("/api/v1/messages", json=body, headers=line.auth)
    assert response.status_code == 202, response.text
    conversation = await Conversation.get(response.json()["conversation_id"])
    assert conversation is not None and conversation.contact_key == "telegram:555000333"
    named = {**body, "to": "telegram:555000444"}
    response = await client.post("/api/v1/messages", json=named, headers=line.auth)
    assert response.status_code == 202, response.text


async def test_another_accounts_chat_is_not_found(
    client: httpx.AsyncClient, hub: Hub, line: Tenant, running: Any
) -> None:
    await _writes(client, line, "2", "Private")
    other = await make_tenant(hub, "Globex", channel_type="telegram", config={"bot_token": "8:t"})
    agent = await add_user(other, "agent@globex.test")
    async with session_client(running, agent) as inbox:
        found = await inbox.get("/inbox", params={"q": CHAT})
        conversation = await Conversation.find_one(Conversation.account_id == line.account.id)
        assert conversation is not None and str(conversation.id) not in found.text
