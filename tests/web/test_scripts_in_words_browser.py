"""What the pages' scripts write, in Chromium and in the reader's language.

- A Danish supervisor's SLA breach alert (sla.js) is Danish: its words come from the page's
  ``#parley-words`` JSON block, never from English in the script.
- The contrast hint under the web chat's colour follows the colour as it is picked, with
  the server's rule, before any save.
- A Swedish agent's Snooze row fits a 390 px phone: "Skjut upp" stays on one line and the
  page does not scroll sideways.
Screenshots: test-artifacts/words-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, expect

from hub.centre import timers
from hub.models import User
from hub.tenants.channel_forms import white_contrast
from hub.web import i18n
from tests.conftest import ARTIFACTS, CONNECTORS, Clock, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in, webhook
from webchat_widget.connector import WebchatConnector

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.httpx_mock(should_mock=lambda request: request.url.host == "provider.test"),
]


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "webchat": WebchatConnector}


async def _speaks(user: User, language: str) -> None:
    await User.get_pymongo_collection().update_one(
        {"_id": user.id}, {"$set": {"language": language}}
    )


async def test_the_sla_alert_in_danish(served: Served, chromium: Browser, clock: Clock) -> None:
    tenant = await make_tenant(served.hub, "Pro Shop", plan="PRO")
    sue = await add_user(tenant, "sue@pro.test", "supervisor", "Sue Supervisor")
    await _speaks(sue, "da")
    r = await served.http.post(
        served.url + "/api/v1/sla_policies",
        json={"name": "Fast", "first_response_minutes": 10},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    await webhook(
        served,
        tenant,
        messages=[{"id": "a1", "from": "+4510000001", "name": "Ada", "text": "Ordre?"}],
    )
    page = await open_page(chromium, served)
    await sign_in(page, served, "sue@pro.test")
    await expect(page.locator("li.conv .sla-timer")).to_have_count(1)

    clock.advance(minutes=11)
    await timers.run_once(served.hub)
    alert = page.locator("#sla-alert")
    await expect(alert).to_contain_text("SLA overskredet: Første svar for Ada")
    await expect(alert.get_by_role("button", name="Luk")).to_be_visible()
    assert "breached" not in (await alert.inner_text())
    await page.screenshot(path=ARTIFACTS / "words-sla-alert-da-1280.png")
    await alert.get_by_role("button", name="Luk").click()
    await expect(alert).to_have_text("")


async def test_the_contrast_hint_follows_the_colour(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(
        served.hub, channel_type="webchat", config={"allowed_origins": ["https://shop.example"]}
    )
    admin = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe")
    await _speaks(admin, "da")
    page = await open_page(chromium, served)
    await sign_in(page, served, "dorthe@acme.test")
    await page.goto(f"{served.url}/admin/channels/{tenant.channel.id}")
    colour = page.locator("#cfg-colour")
    hint = page.locator("#hint-colour")
    await expect(hint).to_contain_text("Læsbar (4,5:1 eller mere).")  # the stored #2557d6
    await colour.fill("#ffcc00")  # yellow
    await expect(hint.locator("strong.error")).to_have_text(
        "For svag til at læse: vælg en mørkere farve (4,5:1 eller mere)."
    )
    # The server's rule and number format, before any save.
    with i18n.speaking(i18n.Speech("da")):
        ratio = i18n.format_number(white_contrast("#ffcc00") or 0)
    assert ratio == "1,5"
    await expect(hint).to_contain_text(f"Hvid tekst på denne farve: {ratio}:1.")
    await page.screenshot(path=ARTIFACTS / "words-contrast-da-1280.png", full_page=True)
    for colour_of in ("#767676", "#808080"):
        with i18n.speaking(i18n.Speech("da")):
            said = i18n.format_number(white_contrast(colour_of) or 0)
        await colour.fill(colour_of)
        await expect(hint).to_contain_text(f"Hvid tekst på denne farve: {said}:1.")
        low = (white_contrast(colour_of) or 0) < 4.5
        await expect(hint.locator("strong.error")).to_have_count(1 if low else 0)
    await colour.fill("#1f3f99")
    await expect(hint).to_contain_text("Læsbar (4,5:1 eller mere).")
    await expect(hint.locator("strong.error")).to_have_count(0)
    # A colour picker is a swatch, here and on the labels page, not a bar across the form.
    box = await colour.bounding_box()
    assert box is not None and box["width"] <= 80, f"the colour picker is {box} wide"
    await page.goto(served.url + "/admin/labels")
    box = await page.locator("#label-colour").bounding_box()
    assert box is not None and box["width"] <= 80, f"the labels' colour picker is {box} wide"
    await page.screenshot(path=ARTIFACTS / "words-labels-da-1280.png", full_page=True)


async def test_the_snooze_row_on_a_swedish_phone(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(served.hub)
    agent = await add_user(tenant, "sven@acme.test", "agent", "Sven Agent")
    await _speaks(agent, "sv")
    await webhook(
        served,
        tenant,
        messages=[{"id": "s1", "from": "+4610000001", "name": "Stina", "text": "Hej"}],
    )
    page = await open_page(chromium, served, width=390, height=844)
    await sign_in(page, served, "sven@acme.test")
    await page.locator("li.conv a").first.click()
    row = page.locator("form[action$='/snooze']")
    await row.scroll_into_view_if_needed()
    await expect(row.get_by_role("button", name="Skjut upp", exact=True)).to_be_visible()
    await page.screenshot(path=ARTIFACTS / "words-snooze-sv-390.png", full_page=True)
    for button in await row.locator("button").all():
        box = await button.bounding_box()
        assert box is not None
        lines = await button.evaluate(
            "b => Math.round(b.getBoundingClientRect().height /"
            " parseFloat(getComputedStyle(b).lineHeight || '20'))"
        )
        name = await button.inner_text()
        assert lines <= 1 or box["height"] < 48, f"{name!r} wraps ({box['height']} px)"
        assert box["x"] + box["width"] <= 390, f"{name!r} is cut at the right edge"
    wide = await page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, f"the conversation scrolls sideways at 390 px ({wide} px)"


async def test_a_french_admins_nav_is_one_line_at_1280(served: Served, chromium: Browser) -> None:
    """Thirteen destinations in French (the longest words of the six) fit one line."""
    tenant = await make_tenant(served.hub, "Pro Shop", plan="PRO")
    admin = await add_user(tenant, "fleur@pro.test", "admin", "Fleur Admin")
    await _speaks(admin, "fr")
    page = await open_page(chromium, served, width=1280, height=800)
    await sign_in(page, served, "fleur@pro.test")
    nav = page.locator("#main-nav")
    await expect(nav.get_by_role("link", name="Mon compte")).to_be_visible()
    links = await nav.get_by_role("link").all()
    assert len(links) >= 13
    tops = {round((await link.bounding_box() or {"y": -1})["y"]) for link in links}
    await page.screenshot(path=ARTIFACTS / "words-nav-fr-1280.png")
    assert len(tops) == 1, f"the nav wraps onto {len(tops)} lines: {sorted(tops)}"
