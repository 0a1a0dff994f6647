"""Bulk actions in Chromium: conversations selected by checkbox and by keyboard (x), then
resolved, labelled and assigned at once, with one toast for each result."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hub.models import Conversation
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import (  # noqa: F401 - fixtures
    Served,
    chromium,
    open_page,
    served,
    sign_in,
    webhook,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


async def test_bulk_resolve_label_assign(served: Served, chromium: Browser) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    nina = await add_user(tenant, "nina@acme.test", "agent", "Nina")
    for n, name in enumerate(("Ann", "Bo", "Cy")):
        await webhook(served, tenant, messages=[{"id": f"w{n}", "from": f"+451111111{n}", "name": name, "text": f"Hi from {name}"}])  # fmt: skip

    page = await open_page(chromium, served)
    await sign_in(page, served, "nina@acme.test")
    rows = page.locator("#list-pane li.conv")
    await expect(rows).to_have_count(3)
    bar = page.locator("#bulk")
    await expect(bar).to_be_hidden()

    # One by its checkbox, the next by keyboard: j moves down, x selects.
    await rows.nth(0).locator(".conv-pick").check()
    await expect(bar).to_be_visible()
    await expect(page.locator("#bulk-count")).to_have_text("1 selected")
    await page.keyboard.press("j")
    await page.keyboard.press("x")
    await expect(rows.nth(1).locator(".conv-pick")).to_be_checked()
    await expect(page.locator("#bulk-count")).to_have_text("2 selected")
    first, second = [await rows.nth(i).get_attribute("data-id") for i in (0, 1)]
    await page.screenshot(path=ARTIFACTS / "bulk-selected.png")

    # Shift+click picks every row from the last one picked; a plain click drops one again.
    await rows.nth(0).locator(".conv-pick").uncheck()
    await rows.nth(2).locator(".conv-pick").check()
    await rows.nth(0).locator(".conv-pick").click(modifiers=["Shift"])
    await expect(page.locator("#bulk-count")).to_have_text("3 selected")
    await rows.nth(2).locator(".conv-pick").uncheck()
    await expect(page.locator("#bulk-count")).to_have_text("2 selected")
    for i in (0, 1):
        await expect(rows.nth(i).locator(".conv-pick")).to_be_checked()

    # Resolve both: one toast, they leave the open list, the selection is done.
    await bar.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#toast")).to_contain_text("2 conversations changed.")
    await expect(rows).to_have_count(1)
    await expect(bar).to_be_hidden()
    for cid in (first, second):
        conv = await Conversation.get(cid)
        assert conv is not None and conv.status == "resolved"

    # The last one: a label (created on first use) and an assignee, by the same bar.
    await rows.nth(0).locator(".conv-pick").check()
    await bar.get_by_label("Label").fill("Follow-up")
    await bar.get_by_role("button", name="Add label").click()
    await expect(page.locator("#toast")).to_contain_text("1 conversation changed.")
    await expect(rows.nth(0).locator(".label-chip")).to_have_text(["follow-up"])
    await rows.nth(0).locator(".conv-pick").check()
    await bar.get_by_role("button", name="Assign to me").click()
    await expect(rows.nth(0).locator(".assignee")).to_have_text("Nina")
    last = await Conversation.get(await rows.nth(0).get_attribute("data-id"))
    assert last is not None and last.assignee_id == str(nina.id) and last.labels == ["follow-up"]
    await page.screenshot(path=ARTIFACTS / "bulk-done.png")

    # On a phone the bar fits the width.
    phone = await open_page(chromium, served, width=390, height=844)
    await sign_in(phone, served, "nina@acme.test")
    await phone.locator("#list-pane li.conv .conv-pick").first.check()
    await expect(phone.locator("#bulk")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the list with the bulk bar is {width} px wide"
    await phone.screenshot(path=ARTIFACTS / "bulk-phone.png", full_page=True)
