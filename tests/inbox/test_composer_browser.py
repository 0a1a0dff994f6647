"""The composer in Chromium: canned answers by keyboard, a bare ``/shortcut`` never sent, and
drafts kept per conversation in the browser across a reload."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.models import CannedResponse, Conversation
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import (  # noqa: F401 - fixtures
    Provider,
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


async def test_canned_by_keyboard(served: Served, chromium: Browser, httpx_mock: Any) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "nina@acme.test", "agent", "Nina")
    assert tenant.account.id is not None
    for shortcut, text in (("hours", "We are open 9-17."), ("home", "See our home page.")):
        await CannedResponse(account_id=tenant.account.id, shortcut=shortcut, text=text).insert()
    provider = Provider()
    httpx_mock.add_callback(provider, url="https://provider.test/send", is_reusable=True)
    await webhook(served, tenant, messages=[{"id": "w1", "from": "+4511111111", "name": "Ann", "text": "Open?"}])  # fmt: skip
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None

    page = await open_page(chromium, served)
    await sign_in(page, served, "nina@acme.test")
    await page.goto(f"{served.url}/inbox/c/{conv.id}")
    box = page.get_by_role("textbox", name="Message")
    options = page.locator("#canned .suggestion")

    # "/ho": the first match (by shortcut: /home) is highlighted; Enter inserts it.
    await box.press_sequentially("Hi. /ho")
    await expect(options).to_have_count(2)
    await expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    await expect(box).to_have_attribute("aria-activedescendant", "canned-1")
    await expect(page.locator("#canned-help")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "canned-popup.png")
    await box.press("Enter")
    await expect(box).to_have_value("Hi. See our home page.")
    await expect(options).to_have_count(0)

    # ↓ moves the highlight, ↑ comes back round; Tab inserts what is highlighted.
    await box.fill("")
    await box.press_sequentially("/ho")
    await expect(options).to_have_count(2)
    await box.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    await box.press("ArrowUp")
    await box.press("ArrowUp")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await box.press("Tab")
    await expect(box).to_have_value("We are open 9-17.")
    await expect(box).to_be_focused()

    # Escape closes the pop-up and leaves the text alone (the focus stays in the composer).
    await box.fill("")
    await box.press_sequentially("/hou")
    await expect(options).to_have_count(1)
    await box.press("Escape")
    await expect(options).to_have_count(0)
    await expect(box).to_have_value("/hou")
    await expect(box).to_be_focused()

    # Ctrl+Enter with the pop-up open inserts the answer instead of sending "/hou".
    await box.press("Backspace")
    await box.press_sequentially("u")
    await expect(options).to_have_count(1)
    await box.press("Control+Enter")
    await expect(box).to_have_value("We are open 9-17.")
    assert provider.calls == []

    # Sent before the pop-up could open (or without the script): refused with a hint, kept.
    await box.fill("Thanks /ho")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#composer .error")).to_contain_text("/ho")
    await expect(page.locator("#composer .error")).to_contain_text("/home")
    await expect(box).to_have_value("Thanks /ho")
    assert provider.calls == []

    # A slash word that starts no shortcut goes out as written.
    provider.answers.append(httpx.Response(200, json={"sid": "P1"}))
    await box.fill("Try /settings then")
    await box.press("Control+Enter")
    await expect(page.locator("#messages .msg.out", has_text="Try /settings then")).to_be_visible()
    assert [c["text"] for c in provider.calls] == ["Try /settings then"]


async def test_draft_survives_a_reload(served: Served, chromium: Browser, httpx_mock: Any) -> None:  # noqa: F811
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "nina@acme.test", "agent", "Nina")
    provider = Provider()
    httpx_mock.add_callback(provider, url="https://provider.test/send", is_reusable=True)
    for n, number in enumerate(("+4511111111", "+4522222222")):
        await webhook(served, tenant, messages=[{"id": f"w{n}", "from": number, "name": f"C{n}", "text": "Hello"}])  # fmt: skip
    first, second = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()

    page = await open_page(chromium, served)
    await sign_in(page, served, "nina@acme.test")
    await page.goto(f"{served.url}/inbox/c/{first.id}")
    box = page.get_by_role("textbox", name="Message")
    await box.press_sequentially("Half a thought")

    # Another conversation has its own (empty) draft; the first one's comes back on reload.
    await page.goto(f"{served.url}/inbox/c/{second.id}")
    await expect(box).to_have_value("")
    await page.goto(f"{served.url}/inbox/c/{first.id}")
    await expect(box).to_have_value("Half a thought")
    await page.reload()
    await expect(box).to_have_value("Half a thought")
    await expect(page.locator("#draft-note")).to_be_visible()
    key = f"parley:draft:{tenant.account.id}:{first.id}"
    assert await page.evaluate(f"localStorage.getItem({key!r})") == "Half a thought"

    # Sent: the draft is forgotten, and a reload shows an empty composer.
    provider.answers.append(httpx.Response(200, json={"sid": "P1"}))
    await box.press("Control+Enter")
    await expect(page.locator("#messages .msg.out", has_text="Half a thought")).to_be_visible()
    await expect(box).to_have_value("")
    assert await page.evaluate(f"localStorage.getItem({key!r})") is None
    await page.reload()
    await expect(box).to_have_value("")
