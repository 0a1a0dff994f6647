"""My account's devices in Debian's Chromium at 390 px, by keyboard, with feedback after each action.

Headless Chromium cannot subscribe to a real push service here: the test subscribes through
the route from the signed-in page with keys it made, and the hub pushes to the test's own
push service. Screenshots: test-artifacts/push-my-account-*.png.
"""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Browser, expect

from hub.store import push as store
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in
from tests.push.conftest import PushService, wait_for
from tests.web.test_phone_browser import fits

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = pytest.mark.browser

SUBSCRIBE = """async (body) => {
  const csrf = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
  const r = await fetch('/inbox/push/subscriptions', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body});
  return r.status;
}"""


async def test_devices_on_my_account_at_390(
    served: Served, chromium: Browser, push_service: PushService
) -> None:
    push_service.public_key = (await served.http.get(served.url + "/inbox/push/key")).json()[
        "public_key"
    ]
    tenant = await make_tenant(served.hub)
    agent = await add_user(tenant, "ann@acme.test", "agent", "Ann Agent")
    page = await open_page(chromium, served, 390, 844)
    await sign_in(page, served, "ann@acme.test")
    await page.goto(served.url + "/inbox/me")
    await expect(page.get_by_text("No device gets notifications yet.")).to_be_visible()

    # The button always answers: here no service worker can subscribe (none, or no push service).
    await page.get_by_role("button", name="Turn on notifications on this device").click()
    await expect(page.locator("#push-status")).to_be_visible()
    await expect(page.locator("#push-status")).not_to_be_empty()

    body = json.dumps(push_service.subscriber("phone").json())
    assert await page.evaluate(SUBSCRIBE, body) == 201
    await page.reload()
    device = page.locator(".push-device-list li")
    await expect(device).to_have_count(1)
    await fits(page, "/inbox/me with a device")
    await page.screenshot(path=ARTIFACTS / "push-my-account-390.png", full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 860})
    await page.screenshot(path=ARTIFACTS / "push-my-account-1280.png", full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})

    # Keyboard: turn "A supervisor whispers to me" off and save.
    whisper = device.get_by_label("A supervisor whispers to me")
    await whisper.focus()
    await page.keyboard.press("Space")
    await expect(whisper).not_to_be_checked()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    await expect(device.get_by_role("button", name="Save for this device")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_text("Notifications for this device were saved.")).to_be_visible()
    assert tenant.account.id is not None and agent.id is not None
    [stored] = await store.devices(tenant.account.id, agent.id)
    assert "whisper" not in stored.kinds and "assigned" in stored.kinds

    await page.get_by_role("button", name="Send me a test notification").click()
    await expect(page.get_by_text("A test notification is on its way")).to_be_visible()
    [got] = await wait_for(push_service, "phone")
    assert got.error is None and got.payload is not None and got.payload["kind"] == "test"

    await page.get_by_role("button", name="Remove this device").click()
    await expect(page.get_by_text("The device was removed")).to_be_visible()
    await expect(page.get_by_text("No device gets notifications yet.")).to_be_visible()
    await fits(page, "/inbox/me")
    await page.screenshot(path=ARTIFACTS / "push-my-account-removed-390.png", full_page=True)
