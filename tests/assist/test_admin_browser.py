"""The /admin assist form in Debian's Chromium at 1280 px and 390 px: fill it by keyboard
and mouse, save, test the connection against the stand-in, and read this month's usage.

Screenshots go to test-artifacts/admin-assist-*.png.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hub.models import Account
from tests.assist.standin import StandIn
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("width", [1280, 390])
async def test_admin_sets_up_assist(
    served: Served, chromium: Browser, assist_endpoint: StandIn, width: int
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "ada@acme.test", "admin", "Ada Admin")
    page = await open_page(chromium, served, width=width, height=860 if width > 400 else 844)
    await sign_in(page, served, "ada@acme.test")
    await page.goto(served.url + "/admin/assist")
    await expect(
        page.get_by_role("heading", name="Assist: AI on your own model endpoint")
    ).to_be_visible()
    await page.get_by_label("Endpoint URL").fill(assist_endpoint.base_url)
    await page.get_by_label("Model").fill("llama3.2")
    await page.get_by_label("API key").fill("sk-browser-secret")
    await page.get_by_label("Label suggestions").uncheck()
    await page.get_by_label("Agents' language").select_option("fr")
    await page.get_by_label("Agents' language").press("Tab")
    await page.keyboard.press("Enter")  # the focused Save button
    await expect(page.get_by_role("status")).to_have_text("Assist settings saved.")
    assert "sk-browser-secret" not in await page.content()
    account = await Account.get(tenant.account.id)
    assert account is not None and account.assist is not None
    assert account.assist.features.labels is False and account.assist.agent_language == "fr"
    assist_endpoint.answer("It works, hello from the stand-in.")
    await page.get_by_role("button", name="Test connection").click()
    await expect(page.locator("#test-result")).to_contain_text("It works, hello from the stand-in.")
    await expect(page.locator("#usage-uses")).to_have_text("1")
    box = await page.locator("#assist-form").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    await page.screenshot(path=ARTIFACTS / f"admin-assist-{width}.png", full_page=True)
