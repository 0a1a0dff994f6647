"""Ingest: one message per provider id (also under concurrency), delivery only moves forward."""

from __future__ import annotations

import asyncio

import httpx
from pytest_httpx import HTTPXMock

from hub.models import Contact, Conversation, EarlyStatus, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant
from tests.core.helpers import inbound_conversation, post_webhook, wait_for
from tests.fakes import TEST_API


async def test_redelivery_stores_one_message(client: httpx.AsyncClient, tenant: Tenant) -> None:
    event = {"id": "again", "from": "+4530", "name": "Bo", "text": "once"}
    first = await post_webhook(client, tenant, [event])
    second = await post_webhook(client, tenant, [event])
    assert (first.status_code, second.status_code) == (200, 200)
    stored = await Message.find(Message.account_id == tenant.account.id).to_list()
    assert [m.text for m in stored] == ["once"]
    conv = await Conversation.get(stored[0].conversation_id)
    assert conv is not None and conv.unread == 1


async def test_concurrent_duplicates_in_one_and_many_requests(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Eight racing deliveries of the same two events, one of them twice in one body."""
    a = {"id": "race-a", "from": "+4531", "text": "a"}
    b = {"id": "race-b", "from": "+4531", "text": "b"}
    results = await asyncio.gather(*[post_webhook(client, tenant, [a, b, a]) for _ in range(8)])
    assert {r.status_code for r in results} == {200}, [r.text for r in results]
    stored = await Message.find(Message.account_id == tenant.account.id).to_list()
    assert sorted(m.provider_message_id or "" for m in stored) == ["race-a", "race-b"]
    convs = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    assert len(convs) == 1 and convs[0].unread == 2


async def test_first_messages_of_a_new_contact_racing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Distinct first messages at once: one contact, one conversation, every message kept."""
    events = [{"id": f"new-{i}", "from": "+4532", "name": "Cy", "text": str(i)} for i in range(10)]
    results = await asyncio.gather(*[post_webhook(client, tenant, [e]) for e in events])
    assert {r.status_code for r in results} == {200}
    convs = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    assert len(convs) == 1
    assert convs[0].unread == 10 and convs[0].contact_id is not None
    contacts = await Contact.find(Contact.account_id == tenant.account.id).to_list()
    assert [c.addresses for c in contacts] == [["phone:+4532"]]
    assert await Message.find(Message.conversation_id == convs[0].id).count() == 10


async def _sent_message(hub: Hub, tenant: Tenant, provider_id: str) -> Message:
    """An outbound message the provider has accepted (as the dispatcher records it)."""
    message = Message(
        account_id=tenant.account.id,  # type: ignore[arg-type]
        conversation_id=tenant.channel.id,  # type: ignore[arg-type]
        channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="out",
        text="hello",
        sender=Sender(type="agent"),
        delivery="sent",
        delivery_rank=2,
        provider_message_id=provider_id,
    )
    await message.insert()
    return message


async def test_statuses_out_of_order_never_move_back(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    message = await _sent_message(hub, tenant, "p-order")

    async def report(*states: str) -> str:
        for state in states:
            r = await post_webhook(client, tenant, statuses=[{"id": "p-order", "status": state}])
            assert r.status_code == 200
        found = await Message.get(message.id)
        assert found is not None
        return found.delivery

    assert await report("read", "delivered", "sent") == "read"
    assert await report("failed") == "failed"
    assert await report("delivered", "read", "sent") == "failed"


async def test_statuses_of_another_channel_are_ignored(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    message = await _sent_message(hub, tenant, "p-mine")
    r = await post_webhook(client, other_tenant, statuses=[{"id": "p-mine", "status": "read"}])
    assert r.status_code == 200
    found = await Message.get(message.id)
    assert found is not None and found.delivery == "sent"


async def test_status_before_the_send_call_returned(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> None:
    """The provider's 'delivered' callback overtakes its answer to the send call."""
    conversation = await inbound_conversation(client, tenant)

    async def provider(request: httpx.Request) -> httpx.Response:
        early = await post_webhook(
            client, tenant, statuses=[{"id": "p-early", "status": "delivered"}]
        )
        assert early.status_code == 200
        return httpx.Response(200, json={"sid": "p-early"})

    httpx_mock.add_callback(provider, url=f"{TEST_API}/send")
    queued = await outbox.enqueue(hub, conversation, text="reply", sender=Sender(type="agent"))

    async def applied() -> bool:
        """Delivered, and the kept report consumed (it is deleted just after it is applied)."""
        found = await Message.get(queued.id)
        kept = await EarlyStatus.find(EarlyStatus.account_id == tenant.account.id).count()
        return found is not None and found.delivery == "delivered" and kept == 0

    await wait_for(applied, "the early status to be applied")
    found = await Message.get(queued.id)
    assert found is not None and found.provider_message_id == "p-early"
