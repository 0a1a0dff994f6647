"""Labels in Chromium: the admin's page with colours (English at 1280 px, Danish at 390 px),
autocomplete of the account's labels in the inbox, a first use creating a label, and the
labels shown with their colour in the conversation and the list."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from hub.models import Conversation, Label, User
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


async def test_labels_admin_and_inbox(served: Served, chromium: Browser) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "ada@acme.test", "admin", "Ada")
    dane = await add_user(tenant, "dan@acme.test", "admin", "Dan")
    await User.find_one(User.id == dane.id).update({"$set": {"language": "da"}})
    await webhook(served, tenant, messages=[{"id": "w1", "from": "+4511111111", "name": "Ann", "text": "Money back?"}])  # fmt: skip
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None

    # The admin adds "Refund " in amber: kept as "refund", shown with its colour.
    page = await open_page(chromium, served)
    await sign_in(page, served, "ada@acme.test")
    await page.goto(served.url + "/admin/labels")
    await expect(page.get_by_role("link", name="Labels")).to_have_attribute("aria-current", "page")
    await page.get_by_label("Name", exact=True).last.fill("Refund ")
    await page.locator("#label-colour").fill("#d97706")
    await page.get_by_label("Description").last.fill("Money back")
    await page.get_by_role("button", name="Add the label").click()
    await expect(page.locator(".admin-main .feedback")).to_contain_text("refund")
    card = page.locator(".label-card", has_text="refund")
    await expect(card.locator("circle")).to_have_attribute("fill", "#d97706")
    # The same name in another case is refused, in words.
    await page.get_by_label("Name", exact=True).last.fill("REFUND")
    await page.get_by_role("button", name="Add the label").click()
    await expect(page.get_by_role("alert")).to_contain_text("exists already")
    await page.screenshot(path=ARTIFACTS / "admin-labels.png", full_page=True)

    # In the inbox: "re" offers "refund" highlighted; Enter takes it and saves.
    await page.goto(f"{served.url}/inbox/c/{conv.id}")
    field = page.locator("#labels")
    await field.press_sequentially("re")
    option = page.locator("#labels-options [role=option]")
    await expect(option).to_have_text(["refund"])
    await expect(option.first).to_have_attribute("aria-selected", "true")
    await expect(field).to_have_attribute("aria-expanded", "true")
    await page.screenshot(path=ARTIFACTS / "labels-autocomplete.png")
    await field.press("Enter")
    await expect(field).to_have_value("refund, ")
    chip = page.locator("#header .label-chip", has_text="refund")
    await expect(chip).to_be_visible()
    await expect(chip.locator("circle")).to_have_attribute("fill", "#d97706")

    # A name used first here becomes a label of the account (Escape keeps what was typed).
    await field.press_sequentially("Brand-New")
    await field.press("Escape")
    await field.press("Tab")
    await expect(page.locator("#header .label-chip", has_text="brand-new")).to_be_visible()
    names = [x.name async for x in Label.find(Label.account_id == tenant.account.id)]
    assert sorted(names) == ["brand-new", "refund"]
    await page.reload()
    row = page.locator("#list-pane li.conv", has_text="Ann")
    await expect(row.locator(".label-chip")).to_have_text(["refund", "brand-new"])

    # The list's label filter completes too.
    await page.goto(served.url + "/inbox")
    await page.locator(".more-filters summary").click()
    await page.locator("#label").press_sequentially("bra")
    # Tab takes the highlighted suggestion: wait until the account's labels have arrived.
    await expect(page.locator("#label-options [role=option]", has_text="brand-new")).to_be_visible()
    await page.locator("#label").press("Tab")
    await expect(page.locator("#label")).to_have_value("brand-new")
    await expect(page.locator("li.conv", has_text="Ann")).to_have_count(1)

    # Danish, on a phone: translated, no sideways scroll, the colour pickers in reach.
    phone = await open_page(chromium, served, width=390, height=844)
    await sign_in(phone, served, "dan@acme.test")
    await phone.goto(served.url + "/admin/labels")
    await expect(phone.locator("h1")).to_have_text("Etiketter")
    await expect(phone.get_by_role("button", name="Tilføj etiketten")).to_be_visible()
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"/admin/labels is {width} px wide at 390 px"
    await phone.screenshot(path=ARTIFACTS / "admin-labels-phone-da.png", full_page=True)
