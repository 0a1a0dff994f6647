"""A scripted supervisor's day in Chromium: with callbacks, SLA at risk and an unanswered
business message, the wallboard page, ``/inbox/queues`` and the API show the same
numbers. Screenshots go to the artifacts folder."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import ARTIFACTS, Clock, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in, webhook
from tests.inbox.test_supervisor_browser import _provider

__all__ = ["chromium", "served"]  # fixtures used here

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


async def test_the_same_numbers_on_every_surface(
    served: Served, chromium: Browser, httpx_mock: Any, clock: Clock
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _provider(httpx_mock)
    clock.set(dt.datetime.now(dt.UTC))  # the browser's own clock runs the longest wait
    tenant = await make_tenant(served.hub, "Pro Co", plan="PRO")
    await add_user(tenant, "sue@pro.test", "supervisor", "Sue")
    api = served.http
    r = await api.post(
        served.url + "/api/v1/sla_policies",
        json={"name": "Standard", "first_response_minutes": 10},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    for n in range(3):
        await webhook(served, tenant, messages=[{"id": f"w{n}", "from": f"+452012345{n}", "text": "Hello?"}])  # fmt: skip
    body = {"channel_id": str(tenant.channel.id), "to": "+4520123499", "text": "Order 17 has shipped."}  # fmt: skip
    assert (await api.post(served.url + "/api/v1/messages", json=body, headers=tenant.auth)).status_code == 202  # fmt: skip
    slot = {
        "from": (clock.at + dt.timedelta(hours=1)).isoformat(),
        "until": (clock.at + dt.timedelta(hours=2)).isoformat(),
    }
    r = await api.post(
        served.url + "/api/v1/callbacks",
        json={"phone": "+4520123488", "window": slot},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    clock.advance(minutes=9)  # 90% of the target: the three customers' SLA is at risk

    r = await api.get(served.url + "/api/v1/queues", headers=tenant.auth)
    (queue,) = r.json()["data"]
    assert queue["waiting"] == 3
    # Three customers asked and nobody answered yet; "Order 17 has shipped." asked nothing.
    assert queue["today"] == {"answered": 0, "unanswered": 3}

    page = await open_page(chromium, served, 1920, 1080)
    await sign_in(page, served, "sue@pro.test")
    await page.goto(served.url + "/wallboard")
    row = page.locator(".wb-team", has_text="No team")
    await expect(row.locator("[data-figure=waiting] .wb-num")).to_have_text("3")
    await expect(row.locator("[data-figure=callbacks] dd")).to_have_text("1")
    await expect(row.locator("[data-figure=sla-at-risk] dd")).to_have_text("3")
    await expect(row.locator("[data-figure=unanswered] .wb-num")).to_have_text("3")
    await expect(row.locator("[data-figure=answered] .wb-num")).to_have_text("0")
    await page.screenshot(path=ARTIFACTS / "figures-wallboard-1920.png")

    await page.set_viewport_size({"width": 1280, "height": 800})
    await page.goto(served.url + "/inbox/queues")
    await expect(page.locator(".waiting-count")).to_have_text("3")
    await expect(page.locator(".queue-rows li")).to_have_count(3)
    await expect(page.get_by_text("Order 17 has shipped.")).to_have_count(0)
    await page.screenshot(path=ARTIFACTS / "figures-queues-1280.png", full_page=True)
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=ARTIFACTS / "figures-queues-390.png", full_page=True)
    r = await api.get(served.url + "/api/v1/reports/sla", headers=tenant.auth)
    assert sum(x["open_at_risk"] for x in r.json()["rows"]) == 3
