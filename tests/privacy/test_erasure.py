"""Erasure and export of a contact reach every collection that names it (``CONTACT_DATA``)."""

from __future__ import annotations

import httpx
from bson import ObjectId

from hub.models import AuditEvent
from hub.pipeline.services import Hub
from hub.store.contacts import CONTACT_DATA
from tests.conftest import Tenant


async def test_export_and_erase_cover_callbacks_csat_lookups_and_sla(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    r = await client.post(
        "/api/v1/contacts", json={"name": "Ann", "phone": "+4512345678"}, headers=tenant.auth
    )
    assert r.status_code == 201, r.text
    contact_id = r.json()["id"]
    names = [collection for collection, _ in CONTACT_DATA]
    assert {"callback_requests", "csat_answers", "lookup_results", "sla_records"} <= set(names)
    for i, (collection, field) in enumerate(CONTACT_DATA):
        # Some parts keep the id as an ObjectId, some as text: both are found.
        value = ObjectId(contact_id) if i % 2 else contact_id
        await hub.database[collection].insert_many(
            [
                {"account_id": tenant.account.id, field: value, "note": f"{collection} of Ann"},
                {"account_id": other_tenant.account.id, field: value, "note": "not this account"},
                {"account_id": tenant.account.id, field: "someone-else", "note": "another contact"},
            ]
        )

    exported = await client.get(f"/api/v1/contacts/{contact_id}/export", headers=tenant.auth)
    assert exported.status_code == 200, exported.text
    related = exported.json()["related"]
    assert set(related) == set(names)
    assert all(len(docs) == 1 and "of Ann" in docs[0]["note"] for docs in related.values())
    assert "not this account" not in exported.text

    erased = await client.delete(f"/api/v1/contacts/{contact_id}", headers=tenant.auth)
    assert erased.status_code == 200, erased.text
    for collection in names:
        left = [d["note"] async for d in hub.database[collection].find({})]
        assert sorted(left) == ["another contact", "not this account"]
    actions = {
        e.action: e.details
        for e in await AuditEvent.find(AuditEvent.account_id == tenant.account.id).to_list()
    }
    assert actions["contact.exported"]["callback_requests"] == 1
    assert actions["contact.erased"]["sla_records"] == 1
    assert "Ann" not in str(actions)
