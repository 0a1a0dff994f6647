"""SLA in the inbox, in Chromium: the timer turns amber at 80% and red at the breach, the
list sorts by due time, and the supervisor gets the breach alert live (the hub's clock is
the test's; the page's timer follows the server's time it was rendered with)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Browser, expect

from hub.centre import timers
from hub.centre.csat import answers as csat
from hub.centre.sla import clocks as sla
from hub.models import Conversation
from tests.conftest import ARTIFACTS, Clock, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import (  # noqa: F401  (fixtures)
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


async def test_timer_amber_then_red_with_a_live_alert(
    served: Served,  # noqa: F811
    chromium: Browser,  # noqa: F811
    clock: Clock,
) -> None:
    tenant = await make_tenant(served.hub, "Pro Shop", plan="PRO")
    await add_user(tenant, "sue@pro.test", "supervisor", "Sue Supervisor")
    await add_user(tenant, "al@pro.test", "admin", "Al Admin")
    r = await served.http.post(
        served.url + "/api/v1/sla_policies",
        json={"name": "Fast", "first_response_minutes": 10},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    await webhook(
        served,
        tenant,
        messages=[{"id": "a1", "from": "+4510000001", "name": "Ada", "text": "Order?"}],
    )
    clock.advance(minutes=4)
    await webhook(
        served,
        tenant,
        messages=[{"id": "b1", "from": "+4510000002", "name": "Bo", "text": "Hello"}],
    )

    page = await open_page(chromium, served)
    await sign_in(page, served, "sue@pro.test")
    rows = page.locator("li.conv")
    await expect(rows.locator(".sla-timer.sla-ok")).to_have_count(2)
    await page.select_option("#sort", "due")
    await expect(rows.locator(".contact")).to_have_text(["Ada", "Bo"])  # Ada's is due first

    clock.advance(minutes=4, seconds=30)  # Ada: 8.5 of 10 minutes used
    await webhook(served, tenant, messages=[{"id": "b2", "from": "+4510000002", "text": "?"}])
    ada = rows.filter(has_text="Ada").locator(".sla-timer")
    await expect(ada).to_have_class("sla-timer sla-risk")
    await page.screenshot(path=ARTIFACTS / "sla-list-amber-1280.png", full_page=True)

    clock.advance(minutes=2)  # past Ada's due time
    await timers.run_once(served.hub)  # the app's own 15 s loop would do it too
    assert await sla.tick() == 0  # recorded once, whoever ticked first
    alert = page.locator("#sla-alert")
    await expect(alert).to_contain_text("SLA breached: First response of Ada")
    await expect(ada).to_have_class("sla-timer sla-breached")
    await expect(ada).to_contain_text("overdue")
    await page.screenshot(path=ARTIFACTS / "sla-list-breached-1280.png", full_page=True)

    await alert.get_by_role("link", name="Ada").click()
    header = page.locator("#header .sla-timer")
    await expect(header).to_have_class("sla-timer sla-breached")
    await page.screenshot(path=ARTIFACTS / "sla-conversation-1280.png", full_page=True)

    phone = await open_page(chromium, served, width=390, height=800)
    await sign_in(phone, served, "sue@pro.test")
    await expect(phone.locator("li.conv .sla-timer.sla-breached")).to_have_count(1)
    await phone.screenshot(path=ARTIFACTS / "sla-list-390.png", full_page=True)
    await phone.goto(served.url + "/inbox/reports/sla?from=2026-03-02&to=2026-03-02")
    await expect(phone.locator("table tbody tr").first).to_contain_text("Fast")
    await phone.screenshot(path=ARTIFACTS / "sla-report-390.png", full_page=True)

    admin = await open_page(chromium, served, width=390, height=900)
    await sign_in(admin, served, "al@pro.test")
    await admin.goto(served.url + "/admin/sla")
    await admin.get_by_label("Name").fill("Gold")
    await admin.get_by_label("First response (minutes)").fill("5")
    await admin.get_by_label("Count business hours only").check()  # no hours are set
    await admin.get_by_role("button", name="Add policy").click()
    await expect(admin.locator("p.error")).to_contain_text(re.compile("business_hours_only", re.I))
    await admin.get_by_label("Count business hours only").uncheck()
    await admin.get_by_role("button", name="Add policy").click()
    await expect(admin.locator(".admin-main .feedback")).to_contain_text("Policy Gold added.")
    await admin.screenshot(path=ARTIFACTS / "admin-sla-390.png", full_page=True)
    width = await admin.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the admin page is {width} px wide at 390 px"
    await admin.set_viewport_size({"width": 1280, "height": 900})
    await admin.goto(served.url + "/admin/csat")
    await admin.get_by_label("Send the survey").check()
    await admin.get_by_role("button", name="Save").click()
    await expect(admin.locator(".admin-main .feedback")).to_contain_text("Survey on")
    await admin.screenshot(path=ARTIFACTS / "admin-csat-1280.png", full_page=True)


async def test_email_survey_page_at_phone_width(
    served: Served,  # noqa: F811
    chromium: Browser,  # noqa: F811
) -> None:
    tenant = await make_tenant(served.hub, "Mail Shop")
    await webhook(served, tenant, messages=[{"id": "m1", "from": "+4510000009", "text": "Hi"}])
    conversation = await Conversation.find_one({"account_id": tenant.account.id})
    assert conversation is not None
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id},
        {"$set": {"status": "resolved", "csat_survey": {"token_hash": csat.token_hash("tok-1")}}},
    )
    page = await open_page(chromium, served, width=390, height=700)
    await page.goto(served.url + "/csat/tok-1")
    await page.locator("label[for=rating-4]").click()
    await page.get_by_label("Anything you'd like to add?").fill("Fast and friendly")
    await page.screenshot(path=ARTIFACTS / "csat-email-page-390.png", full_page=True)
    await page.get_by_role("button", name="Send").click()
    await expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "csat-email-thanks-390.png", full_page=True)
    stored = await Conversation.get(conversation.id)
    assert stored is not None and stored.csat is not None
    assert (stored.csat["rating"], stored.csat["comment"]) == (4, "Fast and friendly")
    await page.goto(served.url + "/csat/tok-1")
    await expect(page.locator(".error")).to_contain_text("already answered")
