"""The inbox in Debian's Chromium: sign in, live messages, reply, ticks, retry, safety, presence.

The hub runs under uvicorn on 127.0.0.1 in the test's event loop (so the test
can store documents directly); the browser is driven with Playwright's async
API. Only the test provider's send API is stubbed (pytest-httpx); webhooks
are real HTTP requests to the running hub.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect

from hub.app import create_app
from hub.models import CannedResponse, Conversation, Message, Sender
from hub.ops import embedded
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import ARTIFACTS, Tenant, make_tenant
from tests.fakes import signed_headers, webhook_body
from tests.inbox.conftest import PASSWORD, add_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Lets the test cut the page's live connection as a network drop would.
TRACK_EVENT_SOURCES = """
(() => {
  const Native = window.EventSource;
  window.__sources = [];
  function Tracked(url, options) { const s = new Native(url, options); window.__sources.push(s); return s; }
  Tracked.prototype = Native.prototype;
  Tracked.CONNECTING = 0; Tracked.OPEN = 1; Tracked.CLOSED = 2;
  window.EventSource = Tracked;
})();
"""
HOSTILE_HTML = (
    '<p>Dear team,</p><img src="x" onerror="window.__pwned = \'img\'">'
    "<script>window.__pwned = 'script'</script>"
    "<a href=\"javascript:window.__pwned='link'\">click me</a>"
    "<iframe src=\"javascript:window.__pwned='frame'\"></iframe><p>Regards</p>"
)


@dataclasses.dataclass
class Served:
    url: str
    hub: Hub
    http: httpx.AsyncClient


@pytest.fixture
async def served(settings: Settings, connectors: dict[str, Any]) -> AsyncIterator[Served]:
    port = embedded.free_port()
    settings = dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}")
    async with httpx.AsyncClient() as provider_http, httpx.AsyncClient() as http:
        app = create_app(settings, connectors=connectors, http=provider_http)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        yield Served(f"http://127.0.0.1:{port}", app.state.hub, http)
        server.should_exit = True
        await task


@pytest.fixture
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


class Provider:
    """The test provider's send API: answers queued in order, the calls kept."""

    def __init__(self) -> None:
        self.answers: list[httpx.Response] = []
        self.calls: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(json.loads(request.content))
        return self.answers.pop(0)


async def webhook(served: Served, tenant: Tenant, **events: Any) -> None:
    body = webhook_body(events.get("messages"), events.get("statuses"))
    r = await served.http.post(
        served.url + tenant.webhook, content=body, headers=signed_headers(body)
    )
    assert r.status_code == 200, r.text


async def open_page(browser: Browser, served: Served, width: int = 1280, height: int = 860) -> Page:
    context = await browser.new_context(viewport={"width": width, "height": height})
    await context.add_init_script(TRACK_EVENT_SOURCES)
    page = await context.new_page()
    page.dialogs = []  # type: ignore[attr-defined]
    page.on(
        "dialog", lambda d: (page.dialogs.append(d.message), asyncio.ensure_future(d.dismiss()))
    )  # type: ignore[attr-defined]
    return page


async def sign_in(page: Page, served: Served, email: str, shot: str | None = None) -> None:
    await page.goto(served.url + "/inbox")
    await expect(page).to_have_url(f"{served.url}/login?next=%2Finbox")
    if shot:
        await page.screenshot(path=ARTIFACTS / shot, full_page=True)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{served.url}/inbox")
    await live(page)


async def live(page: Page) -> None:
    """Wait until the page's live stream is open.

    Polled from here: ``wait_for_function`` re-evaluates its string with eval in the page
    when the first check fails, which the pages' CSP (no unsafe-eval) refuses.
    """
    for _ in range(300):
        if await page.evaluate(
            "window.__sources.length > 0 && window.__sources.at(-1).readyState === 1"
        ):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the page's live stream did not open")


async def test_agent_day(served: Served, chromium: Browser, httpx_mock: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tenant = await make_tenant(served.hub)
    await add_user(tenant, "agnes@acme.test", "admin", "Agnes")
    await add_user(tenant, "bob@acme.test", "agent", "Bob")
    assert tenant.account.id is not None
    await CannedResponse(
        account_id=tenant.account.id, shortcut="hours", text="We are open 9-17."
    ).insert()
    provider = Provider()
    httpx_mock.add_callback(provider, url="https://provider.test/send", is_reusable=True)

    page = await open_page(chromium, served)
    await sign_in(page, served, "agnes@acme.test", shot="login.png")
    colleague = await open_page(chromium, served)
    await sign_in(colleague, served, "bob@acme.test")

    # A live message from a webhook posted now, with a script in its text, reaches both tabs.
    hostile_text = "<script>window.__pwned = 'chat'</script>Is my order shipped?"
    await webhook(
        served,
        tenant,
        messages=[{"id": "w1", "from": "+4511111111", "name": "Ann", "text": hostile_text}],
    )
    for tab in (page, colleague):
        row = tab.locator("li.conv", has_text="Ann")
        await expect(row).to_contain_text("Is my order shipped?")
        await expect(row.locator(".badge")).to_have_text("1")
    await page.screenshot(path=ARTIFACTS / "inbox-list.png", full_page=True)
    await page.get_by_text("Mine", exact=True).click()  # nothing is assigned yet
    await expect(page.locator("#rows")).to_contain_text("No conversations here.")
    await expect(page).to_have_url(re.compile(r"/inbox\?.*view=mine"))  # a reload keeps the view
    await page.get_by_role("searchbox", name="Search").fill("shipped")
    await page.get_by_text("All", exact=True).click()
    await expect(page.locator("li.conv", has_text="Ann")).to_have_count(1)
    await page.get_by_role("searchbox", name="Search").fill("")

    # A hostile HTML email-like message, stored as a connector would store it.
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None and conv.id is not None
    await Message(
        account_id=tenant.account.id, conversation_id=conv.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="in", text="Dear team, Regards", html=HOSTILE_HTML, subject="Invoice <b>42</b>",
        sender=Sender(type="contact", name="Ann"), delivery="received",
        metadata={"quoted_text": "> On Monday you wrote:\n> hello"},
    ).insert()  # fmt: skip

    await page.locator("li.conv a", has_text="Ann").click()
    await expect(page).to_have_url(f"{served.url}/inbox/c/{conv.id}")
    thread = page.locator("#messages")
    await expect(thread.locator(".msg.in .text").first).to_have_text(hostile_text)
    await expect(thread.locator(".email-body")).to_contain_text("Regards")
    await expect(thread.locator(".subject")).to_have_text("Invoice <b>42</b>")
    assert (
        await thread.locator(
            ".email-body script, .email-body iframe, .email-body [onerror]"
        ).count()
        == 0
    )
    await thread.get_by_text("click me").click()
    await thread.get_by_text("Show quoted text").click()
    await expect(thread.locator(".quoted pre")).to_contain_text("On Monday you wrote")

    # Reply with a canned answer inserted by typing "/" — the tick moves sent → delivered live.
    provider.answers.append(httpx.Response(200, json={"sid": "P1"}))
    box = page.get_by_role("textbox", name="Message")
    await box.fill("Hello Ann. /ho")
    await page.locator("#canned .suggestion", has_text="/hours").click()
    await expect(box).to_have_value("Hello Ann. We are open 9-17.")
    await page.get_by_role("button", name="Send").click()
    sent = thread.locator(".msg.out", has_text="We are open 9-17.")
    await expect(sent.locator(".tick-label")).to_have_text("Sent")
    assert provider.calls[0]["text"] == "Hello Ann. We are open 9-17."
    await webhook(served, tenant, statuses=[{"id": "P1", "status": "delivered"}])
    await expect(sent.locator(".tick-label")).to_have_text("Delivered")

    # A failed send shows the provider's reason; Retry sends it again.
    provider.answers += [
        httpx.Response(400, json={"code": "21211", "message": "Invalid 'To' number"}),
        httpx.Response(200, json={"sid": "P3"}),
    ]
    await box.fill("Second answer")
    await box.press("Control+Enter")
    failed = thread.locator(".msg.out", has_text="Second answer")
    await expect(failed.locator(".send-error")).to_contain_text("Invalid 'To' number")
    await page.screenshot(path=ARTIFACTS / "conversation.png", full_page=True)
    await failed.get_by_role("button", name="Retry").click()
    await expect(failed.locator(".tick-label")).to_have_text("Sent")
    assert len(provider.calls) == 3

    # Actions: assign to me, then resolve; the header shows it.
    await page.get_by_role("button", name="Assign to me").click()
    await expect(page.locator("#header .assignee")).to_have_text("Agnes")
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#header .status")).to_have_text("resolved")

    # Presence set by the agent appears in the colleague's tab.
    await page.locator(".user-menu summary").click()
    await page.get_by_label("My status").select_option("away")
    await expect(colleague.locator("#presence li", has_text="Agnes")).to_contain_text("away")

    # A dropped live connection reconnects and catches up with what it missed.
    await colleague.evaluate("window.__sources.at(-1).close()")
    await webhook(
        served,
        tenant,
        messages=[{"id": "w2", "from": "+4522222222", "name": "Carl", "text": "Missed me?"}],
    )
    await colleague.evaluate("(s => s.onerror(new Event('error')))(window.__sources.at(-1))")
    await expect(colleague.locator("li.conv", has_text="Carl")).to_contain_text("Missed me?")

    # The page at phone width, and the admin's canned answers page.
    phone = await open_page(chromium, served, width=390, height=844)
    await sign_in(phone, served, "agnes@acme.test")
    await phone.goto(f"{served.url}/inbox/c/{conv.id}")
    await phone.screenshot(path=ARTIFACTS / "conversation-phone.png", full_page=True)
    await page.goto(served.url + "/inbox/canned")
    await page.screenshot(path=ARTIFACTS / "canned.png", full_page=True)
    await page.goto(served.url + "/inbox/teams")
    await page.get_by_label("Team name").fill("Billing")
    await page.get_by_role("button", name="Add team").click()
    await expect(page.locator(".team-list")).to_contain_text("Billing")
    await page.screenshot(path=ARTIFACTS / "teams.png", full_page=True)

    for tab in (page, colleague, phone):
        assert await tab.evaluate("window.__pwned") is None
        assert tab.dialogs == []  # type: ignore[attr-defined]
