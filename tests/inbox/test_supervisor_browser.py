"""The supervisor's day in Chromium: the live wallboard, whisper, typing, take-over, reports.

The hub runs under uvicorn in the test's loop (fixtures of ``test_browser``); webhooks
are real HTTP requests; only the test provider's send API is stubbed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from hub.contract import now
from hub.models import Conversation, Sender, Team
from hub.pipeline import outbox
from hub.store import conversations
from tests.conftest import ARTIFACTS, Tenant, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, live, open_page, served, sign_in, webhook

__all__ = ["chromium", "served"]  # fixtures used here

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


def _provider(httpx_mock: Any) -> None:
    counter = iter(range(1_000_000))
    httpx_mock.add_callback(
        lambda request: httpx.Response(200, json={"sid": f"SM{next(counter)}"}),
        url="https://provider.test/send",
        is_reusable=True,
        is_optional=True,
    )


async def _team_tenant(served: Served) -> tuple[Tenant, Team]:
    tenant = await make_tenant(served.hub)
    assert tenant.account.id is not None
    team = Team(account_id=tenant.account.id, name="Support")
    await team.insert()
    tenant.channel.default_team_id = str(team.id)
    await tenant.channel.save()
    served.hub.channels.forget(tenant.channel.id)
    return tenant, team


async def _only_conversation(tenant: Tenant) -> Conversation:
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return found


async def test_wallboard_is_live(served: Served, chromium: Browser, httpx_mock: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _provider(httpx_mock)
    tenant, team = await _team_tenant(served)
    agent = await add_user(tenant, "agnes@acme.test", "agent", "Agnes")
    agent.team_ids, agent.presence = [str(team.id)], "available"  # type: ignore[assignment]
    await agent.save()
    await add_user(tenant, "sue@acme.test", "supervisor", "Sue")
    assert tenant.account.id is not None
    sales = Team(account_id=tenant.account.id, name="Sales")
    await sales.insert()
    seller = await add_user(tenant, "sam@acme.test", "agent", "Sam")
    seller.team_ids = [str(sales.id)]
    await seller.save()
    sales.member_ids = [str(seller.id)]  # Team.member_ids is the truth about membership
    await sales.save()

    page = await open_page(chromium, served, 1920, 1080)
    await sign_in(page, served, "sue@acme.test")
    await page.goto(served.url + "/wallboard")
    await live(page)
    support = page.locator(".wb-team", has_text="Support")
    waiting = support.locator("[data-figure=waiting] .wb-num")
    longest = support.locator("[data-figure=longest-wait]")
    await expect(waiting).to_have_text("0")
    await expect(longest.locator(".wb-num")).to_have_text("0:00")

    await webhook(served, tenant, messages=[{"id": "w1", "from": "+4511", "text": "Hello?"}])
    await expect(waiting).to_have_text("1")
    await expect(longest).to_have_attribute("data-since", re.compile(r"^2\d{3}-"))
    conv = await _only_conversation(tenant)
    # Six minutes of waiting: past the default red threshold (5 min), the wait turns red.
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conv.id}, {"$set": {"waiting_since": now() - dt.timedelta(minutes=6)}}
    )
    await expect(longest).to_have_class(re.compile(r"\blevel-red\b"))
    await expect(longest.locator(".wb-num")).to_have_text(re.compile(r"^6:\d\d$"))
    await page.screenshot(path=ARTIFACTS / "wallboard-1920.png")
    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.screenshot(path=ARTIFACTS / "wallboard-1280.png", full_page=True)

    sender = Sender(type="agent", id=str(agent.id), name="Agnes")
    await outbox.enqueue(served.hub, conv, text="Here to help", sender=sender)
    await expect(waiting).to_have_text("0")
    await expect(longest.locator(".wb-num")).to_have_text("0:00")
    await expect(support.locator("[data-figure=answered] dd")).to_have_text("1")
    await expect(support.locator("[data-figure=callbacks] dd")).to_have_text("0")  # a real figure
    sales_row = page.locator(".wb-team", has_text="Sales")
    await expect(sales_row.locator("[data-figure=offline] dd")).to_have_text("1")
    await expect(sales_row.locator("[data-figure=waiting] .wb-num")).to_have_text("0")


async def test_whisper_typing_and_take_over(
    served: Served, chromium: Browser, httpx_mock: Any
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _provider(httpx_mock)
    tenant, _ = await _team_tenant(served)
    agnes = await add_user(tenant, "agnes@acme.test", "agent", "Agnes")
    await add_user(tenant, "otto@acme.test", "agent", "Otto")
    await add_user(tenant, "sue@acme.test", "supervisor", "Sue")
    await webhook(served, tenant, messages=[{"id": "w1", "from": "+4511", "text": "Refund?"}])
    conv = await _only_conversation(tenant)
    assert tenant.account.id is not None
    await conversations.update_conversation(
        tenant.account.id, str(conv.id), {"assignee_id": str(agnes.id)}
    )
    url = f"{served.url}/inbox/c/{conv.id}"
    tabs = {}
    for name in ("agnes", "otto", "sue"):
        tab = await open_page(chromium, served)
        await sign_in(tab, served, f"{name}@acme.test")
        await tab.goto(url)
        await live(tab)
        tabs[name] = tab
    sue, agnes_tab, otto = tabs["sue"], tabs["agnes"], tabs["otto"]

    # Agnes writes a reply: Sue sees her typing.
    await agnes_tab.locator("#reply-text").press_sequentially("Let me check")
    await expect(sue.locator("#typing")).to_have_text("Agnes is typing…")

    await sue.get_by_label("Whisper to the agent").check()
    await sue.locator("#reply-text").fill("Offer the full refund")
    await sue.get_by_role("button", name="Send").click()
    await expect(sue.locator(".msg.whisper")).to_contain_text("Offer the full refund")
    await expect(agnes_tab.locator(".msg.whisper")).to_contain_text("Offer the full refund")
    await expect(agnes_tab.locator("#notice")).to_contain_text("Sue whispered")
    await sue.screenshot(path=ARTIFACTS / "whisper-supervisor.png", full_page=True)
    await otto.reload()
    await expect(otto.locator("#messages")).to_contain_text("Refund?")
    await expect(otto.locator("#messages")).not_to_contain_text("Offer the full refund")
    assert await otto.locator(".msg.whisper").count() == 0

    await sue.get_by_role("button", name="Take over").click()
    await expect(agnes_tab.locator("#header .assignee")).to_have_text("Sue")
    await expect(agnes_tab.locator("#notice")).to_contain_text(
        "Sue took over this conversation from Agnes"
    )
    await expect(agnes_tab.locator("#messages")).to_contain_text("Sue took over")
    await agnes_tab.screenshot(path=ARTIFACTS / "take-over-agent.png", full_page=True)
    moved = await Conversation.get(conv.id)
    assert moved is not None and moved.assignee_id != str(agnes.id)


async def test_reports_page(served: Served, chromium: Browser, httpx_mock: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _provider(httpx_mock)
    tenant, _ = await _team_tenant(served)
    agnes = await add_user(tenant, "agnes@acme.test", "agent", "Agnes")
    await add_user(tenant, "sue@acme.test", "supervisor", "Sue")
    assert tenant.account.id is not None
    for i, phone in enumerate(("+4511", "+4522", "+4533")):
        await webhook(served, tenant, messages=[{"id": f"w{i}", "from": phone, "text": "Hi"}])
    for conv in await Conversation.find(Conversation.account_id == tenant.account.id).to_list():
        await conversations.update_conversation(
            tenant.account.id, str(conv.id), {"assignee_id": str(agnes.id)}
        )
        fresh = await conversations.get_conversation(tenant.account.id, str(conv.id))
        sender = Sender(type="agent", id=str(agnes.id), name="Agnes")
        await outbox.enqueue(served.hub, fresh, text="Hello", sender=sender)

    page = await open_page(chromium, served)
    await sign_in(page, served, "sue@acme.test")
    await page.goto(served.url + "/inbox/reports")
    row = page.locator(f"tr[data-user='{agnes.id}']")
    await expect(row.locator("td").first).to_have_text("3")
    images = page.locator(".chart img")
    await expect(images).to_have_count(2)
    for i in range(2):
        await expect(images.nth(i)).to_have_js_property("complete", True)
        width = await images.nth(i).evaluate("img => img.naturalWidth")
        assert width > 0, "the chart did not load"
    await page.screenshot(path=ARTIFACTS / "reports.png", full_page=True)
    async with page.expect_download() as info:
        await page.get_by_role("link", name="Download CSV").first.click()
    download = await info.value
    text = (await download.path()).read_text()  # type: ignore[union-attr]
    assert text.startswith("user_id,name,assigned,handled,answer_rate")
    assert ",Agnes,3,3,1.0," in text
    narrow = await open_page(chromium, served, 390, 844)
    await sign_in(narrow, served, "sue@acme.test")
    await narrow.goto(served.url + "/inbox/reports")
    await narrow.screenshot(path=ARTIFACTS / "reports-390.png", full_page=True)
