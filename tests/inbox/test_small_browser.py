"""Smaller things of the inbox in Chromium: j + Enter updates the address, a long toast
stays in its box, the Snooze-until button keeps its word at 1280 px, the Filters toggle is
a 24 px target, and a contact known only by a phone number gets a sign, not two digits."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from hub.models import Conversation
from hub.web.display import PHONE_SIGN
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


async def test_small_fixes(served: Served, chromium: Browser) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "nina@acme.test", "agent", "Nina")
    await webhook(served, tenant, messages=[{"id": "w1", "from": "+4512345678", "text": "Hello?"}])
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None

    page = await open_page(chromium, served)
    await sign_in(page, served, "nina@acme.test")
    row = page.locator("#list-pane li.conv").first
    await expect(row.locator(".avatar")).to_have_text(PHONE_SIGN)

    # The Filters toggle is at least 24 px tall.
    box = await page.locator(".more-filters summary").bounding_box()
    assert box is not None and box["height"] >= 24, box

    # j then Enter opens the conversation and the address says which.
    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    await expect(page.locator("#pane [data-conversation]")).to_have_attribute(
        "data-conversation", str(conv.id)
    )
    await expect(page).to_have_url(re.compile(rf"/inbox/c/{conv.id}$"))

    # From an open conversation (its page loaded by address), j + Enter opens the next one.
    await webhook(served, tenant, messages=[{"id": "w2", "from": "+4587654321", "text": "Me too"}])
    other = await Conversation.find_one(
        Conversation.account_id == tenant.account.id, Conversation.id != conv.id
    )
    assert other is not None
    await page.goto(f"{served.url}/inbox/c/{conv.id}")
    await expect(page.locator("#list-pane li.conv")).to_have_count(2)
    await page.locator("#reply-text").focus()
    await page.keyboard.press("Escape")
    await page.keyboard.press("k")
    await page.keyboard.press("Enter")
    await expect(page.locator("#pane [data-conversation]")).to_have_attribute(
        "data-conversation", str(other.id)
    )
    await expect(page).to_have_url(re.compile(rf"/inbox/c/{other.id}$"))
    await page.goto(f"{served.url}/inbox/c/{conv.id}")

    # The Snooze-until button shows its whole word in the actions pane at 1280 px.
    button = page.locator("#snooze-until + button")
    await expect(button).to_have_text("Snooze")
    fits = await button.evaluate(
        "b => { const r = b.getBoundingClientRect(), p = b.closest('.panel, aside').getBoundingClientRect();"
        " return b.scrollWidth <= b.clientWidth && r.right <= p.right + 0.5 && r.left >= p.left; }"
    )
    assert fits, "the Snooze button is cut"

    # A long notice wraps inside its toast, which stays inside the window.
    long_text = "The customer replied: " + "averyveryverylongwordwithoutspaces" * 6
    await page.evaluate("t => window.ParleyToast(t, 'ok')", long_text)
    toast = page.locator("#toast")
    await expect(toast).to_be_visible()
    inside = await toast.evaluate(
        "t => { const r = t.getBoundingClientRect();"
        " return r.left >= 0 && r.right <= innerWidth && t.scrollWidth <= t.clientWidth; }"
    )
    assert inside, "the toast overflows"
    await page.screenshot(path=ARTIFACTS / "small-fixes.png")
