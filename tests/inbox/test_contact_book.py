"""The contacts page: search, edit (errors name the field), merge two contacts, tenancy."""

from __future__ import annotations

import httpx

from hub.models import AuditEvent, Contact, Conversation, Message
from tests.conftest import Tenant
from tests.inbox.conftest import csrf_of, post_inbound


async def _contact_of(tenant: Tenant, address: str) -> Contact:
    found = await Contact.find_one(
        Contact.account_id == tenant.account.id, Contact.addresses == address
    )
    assert found is not None
    return found


async def test_search_edit_and_merge(
    client: httpx.AsyncClient, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    await post_inbound(client, tenant, "m1", "+4511111111", "first", name="Ann")
    await post_inbound(client, tenant, "m2", "+4522222222", "second", name="Annie")
    one = await _contact_of(tenant, "phone:+4511111111")
    two = await _contact_of(tenant, "phone:+4522222222")

    page = await signed_in.get("/inbox/contacts?q=4522")
    assert page.status_code == 200 and "+4522222222" in page.text and "+4511111111" not in page.text

    detail = await signed_in.get(f"/inbox/contacts/{one.id}")
    csrf = csrf_of(detail.text)
    bad = await signed_in.post(
        f"/inbox/contacts/{one.id}", data={"csrf": csrf, "name": "Ann", "phone": "12ab"}
    )
    assert bad.status_code == 400 and "Phone:" in bad.text
    assert (await Contact.get(one.id)).name == "Ann"  # type: ignore[union-attr]

    saved = await signed_in.post(
        f"/inbox/contacts/{one.id}",
        data={
            "csrf": csrf,
            "name": "Ann Lee",
            "email": "ann@example.com",
            "attributes": "tier=gold",
        },
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 204 and "Contact saved." in saved.headers["HX-Trigger"]
    kept = await Contact.get(one.id)
    assert kept is not None and kept.name == "Ann Lee" and kept.attributes == {"tier": "gold"}
    assert "email:ann@example.com" in kept.addresses

    merged = await signed_in.post(
        f"/inbox/contacts/{one.id}/merge", data={"csrf": csrf, "other": str(two.id)}
    )
    assert merged.status_code == 303
    assert await Contact.get(two.id) is None
    kept = await Contact.get(one.id)
    assert kept is not None and "phone:+4522222222" in kept.addresses
    moved = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    assert {c.contact_id for c in moved} == {one.id} and {c.contact_name for c in moved} == {
        "Ann Lee"
    }
    notes = await Message.find({"account_id": tenant.account.id, "private": True}).to_list()
    assert len(notes) == 1 and "merged into Ann Lee" in notes[0].text
    assert await AuditEvent.find(AuditEvent.action == "contact.merged").count() == 1
    # The next page shows the confirmation once.
    after = await signed_in.get(f"/inbox/contacts/{one.id}")
    assert "Merged" in after.text and 'data-show="true"' in after.text


async def test_other_accounts_contacts_are_not_found(
    client: httpx.AsyncClient,
    tenant: Tenant,
    other_tenant: Tenant,
    signed_in: httpx.AsyncClient,
) -> None:
    await post_inbound(client, other_tenant, "t1", "+4533333333", "theirs")
    await post_inbound(client, tenant, "o1", "+4544444444", "ours")
    theirs = await _contact_of(other_tenant, "phone:+4533333333")
    ours = await _contact_of(tenant, "phone:+4544444444")
    assert (await signed_in.get(f"/inbox/contacts/{theirs.id}")).status_code == 404
    csrf = csrf_of((await signed_in.get(f"/inbox/contacts/{ours.id}")).text)
    edit = await signed_in.post(f"/inbox/contacts/{theirs.id}", data={"csrf": csrf, "name": "x"})
    assert edit.status_code == 404
    merge = await signed_in.post(
        f"/inbox/contacts/{ours.id}/merge", data={"csrf": csrf, "other": str(theirs.id)}
    )
    assert merge.status_code == 404
    assert await Contact.get(theirs.id) is not None
    listing = await signed_in.get("/inbox/contacts?q=4533")
    assert "+4533333333" not in listing.text
