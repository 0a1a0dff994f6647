"""The webhook delivery console in Debian's Chromium: a receiver on 127.0.0.1 that fails,
its errors shown (health, each attempt's answer), then it recovers: one delivery redelivered
by hand and the failed ones of a time range, each verified as a receiver's library would.

Screenshots at 1280 px and 390 px go to test-artifacts/admin-webhook-console-*.png.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from playwright.async_api import Browser, Page, expect
from standardwebhooks import Webhook
from starlette.responses import JSONResponse, Response

from hub.models.webhook import EVENT_TYPES
from hub.settings import Settings
from tests.admin.test_browser import shots
from tests.api.conftest import inbound, serve
from tests.api.test_standard_webhooks import Receiver
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A failed attempt is final at once (no retries in the background to race the clicks)."""
    return dataclasses.replace(settings, webhook_retry_hours=0.0)


class Outage:
    """Fails with 500 and a reason until it is over."""

    def __init__(self) -> None:
        self.over = False

    def __call__(self, n: int) -> Response:
        if self.over:
            return JSONResponse({"ok": True})
        return JSONResponse({"error": "down for maintenance"}, status_code=500)


async def _until(page: Page, selector: str, text: str) -> None:
    """Reload the log until ``selector`` shows ``text`` (the worker runs in the background;
    about 40 s at most: once, in a full run, a failed delivery took over 15 s to show)."""
    for _ in range(300):
        await page.reload()
        if text in (await page.locator(selector).inner_text()):
            return
        await page.wait_for_timeout(100)
    await expect(page.locator(selector)).to_contain_text(text)


async def test_console_shows_errors_and_redelivers_after_recovery(
    served: Served, chromium: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "ada@acme.test", "admin", "Ada Admin")
    outage = Outage()
    receiver = Receiver(outage)
    async with serve(receiver.app) as base:
        page = await open_page(chromium, served)
        await sign_in(page, served, "ada@acme.test")
        await page.goto(served.url + "/admin/webhooks")
        await page.get_by_label("URL").fill(f"{base}/hook")
        for event in EVENT_TYPES:
            if event != "message.created":
                await page.get_by_label(event, exact=True).uncheck()
        await page.get_by_role("button", name="Subscribe").click()
        secret = (await page.locator("#signing-secret").inner_text()).strip()
        assert secret.startswith("whsec_")
        await page.get_by_role("link", name="Delivery log").first.click()

        # While the endpoint is down: a test ping and a customer's message both fail.
        await page.get_by_role("button", name="Send a test ping").click()
        await expect(page.locator(".feedback")).to_contain_text("A test ping was sent")
        await _until(page, "#deliveries", "failed")
        await inbound(served.http, served.url + tenant.webhook, "m1", "+4530", "hello?")
        await _until(page, "#failures", "2")
        await expect(page.locator("#last-error")).to_contain_text("500")
        await expect(page.locator(".wh-delivery[data-status=failed]")).to_have_count(2)
        ping = page.locator(".wh-delivery").filter(has_text="ping")
        await ping.locator("summary").click()
        await expect(ping).to_contain_text("down for maintenance")  # the answer's body
        await expect(ping).to_contain_text("webhook-signature: v1,")  # the request's headers
        await shots(page, "webhook-console-failing")

        # It recovers: the ping redelivered by hand, the message with the failed of a range.
        outage.over = True
        await ping.get_by_role("button", name="Redeliver").click()
        await expect(page.locator(".feedback")).to_contain_text("The delivery was queued again")
        await _until(page, ".wh-delivery:has-text('ping')", "delivered")
        await page.get_by_role("button", name="Redeliver the failed ones").click()
        await expect(page.locator(".feedback")).to_contain_text(
            "1 failed delivery was queued again"
        )
        await _until(page, "#failures", "0")
        await expect(page.locator(".wh-delivery[data-status=delivered]")).to_have_count(2)
        await expect(page.locator(".wh-delivery[data-status=failed]")).to_have_count(0)
        await shots(page, "webhook-console-recovered")
        await page.goto(served.url + "/admin/webhooks")
        await expect(page.locator("#subscriptions")).to_contain_text("active")
        await page.close()

    assert [r[0].get("webhook-id") for r in receiver.requests].count(
        receiver.requests[0][0]["webhook-id"]
    ) == 2  # the ping, twice, under one id
    delivered = [(h, b) for h, b in receiver.requests[-2:]]
    types = sorted(Webhook(secret).verify(b, h)["type"] for h, b in delivered)
    assert types == ["message.created", "ping"]
    assert json.loads(receiver.requests[0][1])["type"] == "ping"
