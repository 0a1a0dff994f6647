"""Danish pages in Debian's Chromium: the longer words still fit at 390 px.

A Danish admin's plan page (with its quote), callbacks list and wallboard, screenshotted to
test-artifacts/da-*.png at 1280 px and 390 px; at phone width no page scrolls sideways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.async_api import Browser, Page, expect

from hub.centre.callbacks import lifecycle as callbacks
from hub.contract import now
from hub.models import User
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = pytest.mark.browser


async def _shots(page: Page, name: str) -> None:
    for width, height in ((1280, 860), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=ARTIFACTS / f"da-{name}-{width}.png", full_page=True)
        if width == 390:
            wide = await page.evaluate("document.documentElement.scrollWidth")
            assert wide <= 390, f"{name} scrolls sideways at 390 px ({wide} px)"
    await page.set_viewport_size({"width": 1280, "height": 860})


async def test_danish_pages_fit_at_both_widths(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(served.hub)
    admin = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe")
    await User.get_pymongo_collection().update_one({"_id": admin.id}, {"$set": {"language": "da"}})
    await team_with_callbacks(served.hub, tenant, "Kundeservice")
    start, end = window(now().date() + dt.timedelta(days=1), "10:00", "12:00")
    await callbacks.create(
        tenant.account, phone="+4520123456", window_from=start, window_until=end,
        customer_input="Ordre 4411",
    )  # type: ignore[arg-type]  # fmt: skip
    page = await open_page(chromium, served)
    await sign_in(page, served, "dorthe@acme.test")

    await page.goto(served.url + "/admin/plan")
    await page.get_by_label("Pladser").fill("5")
    await page.get_by_role("button", name="Vis prisen").click()
    await expect(page.locator("#quote")).to_contain_text("hvad ændringen koster")
    await _shots(page, "admin-plan")

    await page.goto(served.url + "/inbox/callbacks")
    await expect(page.get_by_role("button", name="Jeg ringer nu")).to_be_visible()
    await _shots(page, "callbacks")

    await page.goto(served.url + "/wallboard")
    await expect(page.locator(".wb-team").first).to_contain_text("Længste ventetid")
    await _shots(page, "wallboard")
