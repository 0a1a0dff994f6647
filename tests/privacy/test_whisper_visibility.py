"""A whisper is the account's own data: an API key sees it (its own integration, and the
contact's export must be complete), always marked ``visibility: "whisper"``; outbound event
webhooks never carry it."""

from __future__ import annotations

import httpx

from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.api.conftest import inbound
from tests.conftest import Tenant


async def test_whispers_are_marked_in_the_api_and_the_export(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    await inbound(client, tenant.webhook, "w1", "+4512345678", "hello")
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    await outbox.enqueue(
        hub, conversation, text="Offer the refund", sender=Sender(type="agent", name="Sue"),
        private=True, whisper=True,
    )  # fmt: skip
    await outbox.enqueue(
        hub, conversation, text="Checked the order", sender=Sender(type="agent"), private=True
    )
    listed = await client.get(
        f"/api/v1/conversations/{conversation.id}/messages", headers=tenant.auth
    )
    by_text = {m["text"]: m for m in listed.json()["data"]}
    assert by_text["Offer the refund"]["visibility"] == "whisper"
    assert by_text["Offer the refund"]["private"] is True
    assert by_text["Checked the order"]["visibility"] == "note"
    assert by_text["hello"]["visibility"] == "public"
    exported = await client.get(
        f"/api/v1/contacts/{conversation.contact_id}/export", headers=tenant.auth
    )
    assert exported.status_code == 200, exported.text
    marks = {m["text"]: m["visibility"] for m in exported.json()["messages"]}
    assert marks == {"hello": "public", "Offer the refund": "whisper", "Checked the order": "note"}
