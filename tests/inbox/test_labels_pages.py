"""The admin's labels page and the inbox's label options: an admin's own labels only,
refusals in words, and another account's labels neither listed nor changed."""

from __future__ import annotations

from hub.models import Label
from hub.store import labels
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, session_client


async def test_labels_page_and_options_stay_in_the_account(
    running: Running, tenant: Tenant, other_tenant: Tenant
) -> None:
    assert tenant.account.id is not None and other_tenant.account.id is not None
    theirs = await labels.create_label(other_tenant.account.id, "Secret plan", "#123456")
    admin = await add_user(tenant, "ada@acme.test", "admin", "Ada")
    agent = await add_user(tenant, "abe@acme.test", "agent", "Abe")
    async with session_client(running, admin) as client:
        page = await client.get("/admin/labels")
        assert page.status_code == 200 and "secret plan" not in page.text
        h = {"X-CSRF-Token": csrf_of(page.text)}
        r = await client.post("/admin/labels", data={"name": " Refund ", "colour": "#D97706"}, headers=h)  # fmt: skip
        assert r.status_code in (200, 303), r.text
        mine = await Label.find_one(Label.account_id == tenant.account.id)
        assert mine is not None and mine.name == "refund" and mine.colour == "#d97706"
        r = await client.post("/admin/labels", data={"name": "REFUND"}, headers=h)
        assert r.status_code == 409 and "exists already" in r.text
        r = await client.post("/admin/labels", data={"name": "x", "colour": "red"}, headers=h)
        assert r.status_code == 400 and "#rrggbb" in r.text
        # Another account's label: not found, not renamed, not deleted.
        r = await client.post(f"/admin/labels/{theirs.id}", data={"name": "mine now"}, headers=h)
        assert r.status_code == 404
        r = await client.post(f"/admin/labels/{theirs.id}/delete", headers=h)
        assert r.status_code == 404
        assert (await Label.get(theirs.id)) is not None
        assert (await Label.get(theirs.id)).name == "secret plan"  # type: ignore[union-attr]
        options = (await client.get("/inbox/labels/options")).json()
        assert options == [{"name": "refund", "colour": "#d97706"}]
    async with session_client(running, agent) as client:
        assert (await client.get("/admin/labels")).status_code == 403
        assert (await client.get("/inbox/labels/options")).json() == options
