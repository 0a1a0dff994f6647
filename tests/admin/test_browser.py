"""/admin in Debian's Chromium: seats and the seat limit, raising seats, an SMS channel through
the generated form, an API key created and revoked, a deactivated user signed out live.

Screenshots of the admin pages at 1280 px and 390 px go to test-artifacts/admin-*.png.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from connectors.twilio import TwilioSMSConnector
from hub.models import Channel, UsageEvent
from tests.conftest import ARTIFACTS, CONNECTORS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]
SID = "AC" + "0123456789abcdef" * 2


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "twilio_sms": TwilioSMSConnector}


async def shots(page: Page, name: str) -> None:
    """The page at desktop and phone width."""
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.screenshot(path=ARTIFACTS / f"admin-{name}-1280.png", full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=ARTIFACTS / f"admin-{name}-390.png", full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 860})


async def add_agent(page: Page, email: str) -> None:
    form = page.locator("#add-user")
    await form.get_by_label("Email").fill(email)
    await form.get_by_label("Role").select_option("agent")
    await form.get_by_label("Password", exact=True).fill("password 123")
    await form.get_by_role("button", name="Add user").click()


async def test_admin_runs_the_account(served: Served, chromium: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "ada@acme.test", "admin", "Ada Admin")
    await add_user(tenant, "bob@acme.test", "agent", "Bob")
    page = await open_page(chromium, served)
    await sign_in(page, served, "ada@acme.test")
    await page.get_by_role("link", name="Admin").click()
    await expect(page.get_by_role("heading", name="Acme")).to_be_visible()
    await shots(page, "overview")

    # Users: a third seat taken shows in the count; a fourth agent on 3 seats is refused.
    await page.get_by_role("navigation", name="Admin").get_by_role("link", name="Users").click()
    await expect(page.locator("#seat-count")).to_contain_text("2 of 3 seats used")
    await add_agent(page, "cy@acme.test")
    await expect(page.locator(".feedback")).to_contain_text("cy@acme.test was added")
    await expect(page.locator("#seat-count")).to_contain_text("3 of 3 seats used")
    await add_agent(page, "di@acme.test")
    await expect(page.get_by_role("alert")).to_contain_text("All 3 seats are taken")
    await shots(page, "users-refused")

    # Raise the seats (the cost is shown first), then the fourth agent fits.
    await (
        page.get_by_role("navigation", name="Admin")
        .get_by_role("link", name="Plan and seats")
        .click()
    )
    await page.get_by_label("Seats").fill("4")
    await page.get_by_role("button", name="Show the cost").click()
    await expect(page.locator("#quote")).to_contain_text("€110.00 a month (now €95.00)")
    await shots(page, "plan-quote")
    await page.get_by_role("button", name="Confirm the change").click()
    await expect(page.locator(".feedback")).to_contain_text("The subscription was changed")
    await page.goto(served.url + "/admin/users")
    await add_agent(page, "di@acme.test")
    await expect(page.locator("#seat-count")).to_contain_text("4 of 4 seats used")

    # An SMS channel through the form made from its config: an error by the field first.
    await page.goto(served.url + "/admin/channels")
    await page.get_by_role("link", name="SMS (Twilio)").click()
    await expect(page.locator("#fee")).to_contain_text("€250")
    await page.get_by_label("Name").fill("Shop SMS")
    await page.get_by_label("Account sid").fill("ACnope")
    await page.get_by_label("Auth token").fill("tok3n-secret")
    await page.locator("#cfg-from_number").fill("+4512345678")
    await page.get_by_role("button", name="Add channel").click()
    error = page.locator("#err-account_sid")
    await expect(error).to_contain_text("Not in the expected form: see the hint.")
    await shots(page, "channel-error")
    assert await Channel.find(Channel.type == "twilio_sms").count() == 0
    await page.get_by_label("Account sid").fill(SID)
    await page.get_by_label("Auth token").fill("tok3n-secret")
    await page.get_by_role("button", name="Add channel").click()
    await expect(page.locator("#paste")).to_contain_text("/webhooks/twilio_sms/")
    await expect(page.locator("body")).not_to_contain_text("tok3n-secret")
    await shots(page, "channel")
    assert await UsageEvent.find(UsageEvent.kind == "channel_activation").count() == 2

    # An API key: shown once, works, revoked, then 401.
    await page.goto(served.url + "/admin/keys")
    await page.get_by_label("Name").fill("CRM sync")
    await page.get_by_role("button", name="Create key").click()
    key = await page.locator("#new-key").inner_text()
    auth = {"Authorization": f"Bearer {key}"}
    assert (await served.http.get(served.url + "/api/v1/account", headers=auth)).status_code == 200
    await shots(page, "keys")
    await page.get_by_role("button", name="Revoke CRM sync").click()
    await expect(page.locator(".feedback")).to_contain_text("was revoked")
    r = await served.http.get(served.url + "/api/v1/account", headers=auth)
    assert r.status_code == 401

    # Bob has the inbox open; deactivating him signs that page out.
    bob = await open_page(chromium, served)
    await sign_in(bob, served, "bob@acme.test")
    await page.goto(served.url + "/admin/users")
    await page.get_by_role("link", name="Bob").click()
    await page.get_by_role("button", name="Deactivate").click()
    await expect(page.locator(".feedback")).to_contain_text("deactivated and signed out")
    await expect(bob).to_have_url(f"{served.url}/login?ended=1", timeout=15000)
    await bob.goto(served.url + "/inbox")
    await expect(bob.get_by_role("heading", name="Sign in to Parley")).to_be_visible()

    # The audit log names the admin as the actor; usage lists this month's lines.
    await page.goto(served.url + "/admin/audit")
    await expect(page.locator("#audit")).to_contain_text("user.deactivated")
    await expect(page.locator("#audit")).to_contain_text("Ada Admin")
    await shots(page, "audit")
    await page.goto(served.url + "/admin/usage")
    await expect(page.locator("#charges")).to_contain_text(
        "Channel activation: Shop SMS (twilio_sms)"
    )
    await shots(page, "usage")
    for name in ("settings", "canned", "webhooks", "bots"):
        await page.goto(served.url + f"/admin/{name}")
        await shots(page, name)
    # Keyboard: the side nav is reachable and the current page is marked.
    current = page.get_by_role("navigation", name="Admin").locator('[aria-current="page"]')
    await expect(current).to_have_text("Bots")
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.reload()
    await expect(page.get_by_role("navigation", name="Admin")).to_be_hidden()
    await page.get_by_text("Admin menu").click()
    await expect(page.get_by_role("navigation", name="Admin")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "admin-menu-390.png", full_page=True)
    assert isinstance(served.http, httpx.AsyncClient)
