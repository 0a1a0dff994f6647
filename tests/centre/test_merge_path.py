"""A contact merge goes through the one path: when it makes a customer a VIP, their open
conversations move ahead in the queue on every surface, and the queues are dispatched."""

from __future__ import annotations

import httpx

from hub.centre import changes
from hub.centre.reports import live
from hub.models import Conversation
from tests.conftest import Clock, Tenant
from tests.core.helpers import inbound_conversation


async def test_merging_a_vip_moves_the_kept_contacts_open_conversation_ahead(
    client: httpx.AsyncClient, hub: object, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    assert tenant.account.id is not None
    r = await client.put("/api/v1/vip", json={"addresses": ["+4511000003"]}, headers=tenant.auth)
    assert r.status_code == 200, r.text
    first = await inbound_conversation(client, tenant, "+4511000001", "in-1")
    clock.advance(minutes=1)
    kept = await inbound_conversation(client, tenant, "+4511000002", "in-2")
    clock.advance(minutes=1)
    vip = await inbound_conversation(client, tenant, "+4511000003", "in-3")
    assert vip.vip and not kept.vip
    (before,) = await live.snapshot(tenant.account)
    assert before.conversation_ids == [vip.id, first.id, kept.id]

    assert kept.contact_id is not None and vip.contact_id is not None
    merged = await changes.merge_contacts(tenant.account.id, str(kept.contact_id), str(vip.contact_id))  # fmt: skip
    assert merged.moved_conversations == [vip.id]

    (after,) = await live.snapshot(tenant.account)
    assert after.conversation_ids == [kept.id, vip.id, first.id]  # VIP first, longest wait next
    r = await client.get("/api/v1/queues", headers=tenant.auth)
    assert r.json()["data"][0]["conversation_ids"] == [str(i) for i in after.conversation_ids]
    stored = await Conversation.get(vip.id)
    assert stored is not None and stored.contact_id == kept.contact_id
