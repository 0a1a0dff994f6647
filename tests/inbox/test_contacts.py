"""The contact panel: identities across channels, earlier conversations, the CRM link."""

from __future__ import annotations

import httpx

from hub.models import Contact, Conversation
from tests.conftest import Running, Tenant
from tests.inbox.conftest import post_inbound


async def test_contact_panel(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    await tenant.account.set({"crm_url_template": "https://crm.example/find?phone={phone}"})
    await post_inbound(running.client, tenant, "in-1", "+4511111111", "First time", "Ann")
    first = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert first is not None
    await Conversation.get_pymongo_collection().update_one(
        {"_id": first.id}, {"$set": {"status": "resolved", "thread_key": str(first.id)}}
    )
    await post_inbound(running.client, tenant, "in-2", "+4511111111", "Back again", "Ann")
    second = await Conversation.find_one(
        Conversation.account_id == tenant.account.id, Conversation.id != first.id
    )
    assert second is not None and second.contact_id == first.contact_id
    await Contact.get_pymongo_collection().update_one(
        {"_id": second.contact_id}, {"$push": {"addresses": "email:ann@example.com"}}
    )
    r = await signed_in.get(f"/inbox/c/{second.id}/contact", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text
    assert '<span class="kind">Phone</span> +4511111111' in r.text
    assert '<span class="kind">Email</span> ann@example.com' in r.text
    assert f'href="/inbox/c/{first.id}"' in r.text and "First time" in r.text
    assert 'href="https://crm.example/find?phone=%2B4511111111"' in r.text
    assert (
        f'href="/inbox/c/{second.id}"' not in r.text
    )  # not listed as its own earlier conversation
