"""The contact centre in Chromium: a team's queue in order, a live auto-assignment, live presence."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.models import Team, User
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import (  # noqa: F401  (fixtures)
    Served,
    chromium,
    live,
    open_page,
    served,
    sign_in,
    webhook,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


async def test_queue_order_live_assignment_and_presence(
    served: Served,  # noqa: F811
    chromium: Browser,  # noqa: F811
    httpx_mock: Any,
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    agnes = await add_user(tenant, "agnes@acme.test", "agent", "Agnes")
    await add_user(tenant, "bob@acme.test", "agent", "Bob")
    await agnes.set({"capacity": 0})
    assert tenant.account.id is not None
    team = Team(
        account_id=tenant.account.id, name="Sales", assignment="round_robin",
        member_ids=[str(agnes.id)],
    )  # fmt: skip
    await team.insert()
    await agnes.set({"team_ids": [str(team.id)]})
    await tenant.channel.set({"default_team_id": str(team.id)})
    api = served.url + "/api/v1"
    r = await served.http.put(
        api + "/vip", json={"addresses": ["+4533333333"]}, headers=tenant.auth
    )
    assert r.status_code == 200
    for i, (phone, name) in enumerate(
        [("+4511111111", "Olga First"), ("+4522222222", "Nils Second"), ("+4533333333", "Vera VIP")]
    ):
        msg = {"id": f"q{i}", "from": phone, "name": name, "text": f"hello {i}"}
        await webhook(served, tenant, messages=[msg])

    page = await open_page(chromium, served)
    await sign_in(page, served, "agnes@acme.test")
    await page.get_by_role("link", name="Queues").click()
    rows = page.locator("#boards section[data-team] li.conv .contact")
    await expect(rows).to_have_text(["Vera VIP", "Olga First", "Nils Second"])
    await page.screenshot(path=ARTIFACTS / "queues.png", full_page=True)
    phone = await open_page(chromium, served, width=390, height=844)
    await sign_in(phone, served, "bob@acme.test")
    await phone.goto(served.url + "/inbox/queues")
    await phone.screenshot(path=ARTIFACTS / "queues-phone.png", full_page=True)

    # Agnes gets room for one: the head of the queue (the VIP) is hers at once, live.
    await page.goto(served.url + "/inbox?view=mine")
    await live(page)
    await expect(page.locator("#rows")).to_contain_text("No conversations here.")
    r = await served.http.patch(
        f"{api}/users/{agnes.id}", json={"capacity": 1}, headers=tenant.auth
    )
    assert r.status_code == 200, r.text
    await expect(page.locator("li.conv", has_text="Vera VIP")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "queue-assigned.png", full_page=True)

    # Bob watches the directory; Agnes steps away; Bob sees it without a reload.
    await phone.goto(served.url + "/inbox/directory")
    card = phone.locator("li.person", has_text="Agnes")
    await expect(card.locator(".presence-label")).to_contain_text("Available")
    await page.locator(".user-menu summary").click()
    await page.get_by_label("My status").select_option("away")
    await expect(card.locator(".presence-label")).to_contain_text("Away")
    await phone.screenshot(path=ARTIFACTS / "directory-phone.png", full_page=True)
    wide = await open_page(chromium, served)
    await sign_in(wide, served, "bob@acme.test")
    await wide.goto(served.url + "/inbox/directory?q=sales")
    await expect(wide.locator("li.person")).to_have_count(1)
    await wide.screenshot(path=ARTIFACTS / "directory.png", full_page=True)
    stored = await User.get(agnes.id)
    assert stored is not None and stored.presence == "away"

    # The admin's teams page, at both widths, keyboard first: edit Sales, save, see feedback.
    await add_user(tenant, "ada@acme.test", "admin", "Ada")
    admin = await open_page(chromium, served)
    await sign_in(admin, served, "ada@acme.test")
    await admin.goto(f"{served.url}/admin/teams/{team.id}")
    await admin.get_by_label("Out-of-office text").fill("Closed until 9:00.")
    await admin.get_by_role("button", name="Save team").press("Enter")
    await expect(admin.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    await admin.screenshot(path=ARTIFACTS / "admin-teams.png", full_page=True)
    narrow = await open_page(chromium, served, width=390, height=844)
    await sign_in(narrow, served, "ada@acme.test")
    await narrow.goto(f"{served.url}/admin/vip")
    await narrow.get_by_label("One phone number").fill("+45 33 33 33 33\nnot-an-address")
    await narrow.get_by_role("button", name="Save the list").click()
    await expect(narrow.get_by_role("alert").filter(has_text="Line 2")).to_be_visible()
    await narrow.screenshot(path=ARTIFACTS / "admin-vip-phone.png", full_page=True)
