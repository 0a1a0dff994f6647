"""Phones in Debian's Chromium (390 px): the main nav folds into a menu that reaches every
destination by keyboard, every page fits the width, and the admin side nav starts folded
without moving the page after the first paint.

Screenshots of the opened menus go to test-artifacts/phone-*.png.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page, expect

from hub.admin.nav import SECTIONS
from hub.models import Conversation
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in, webhook

__all__ = ["chromium", "served"]  # fixtures used by name

pytestmark = pytest.mark.browser

#: Every destination of the main nav an admin has, by its link text, and where it leads.
DESTINATIONS = [
    ("Inbox", "/inbox"),
    ("Contacts", "/inbox/contacts"),
    ("Queues", "/inbox/queues"),
    ("Directory", "/inbox/directory"),
    ("Callbacks", "/inbox/callbacks"),
    ("Monitor", "/inbox/monitor"),
    ("Reports", "/inbox/reports"),
    ("Wallboard", "/wallboard"),
    ("Admin", "/admin"),
    ("My account", "/inbox/me"),
]

#: The layout shift the page may make after its first paint (Lighthouse's "good" is 0.1).
CLS = """() => new Promise(done => {
  let shift = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) if (!e.hadRecentInput) shift += e.value;
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => done(shift), 400);
})"""


#: The innermost elements whose right edge passes the window (what makes a page scroll sideways).
STICKING_OUT = """() => [...document.body.querySelectorAll('*')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(el => ![...el.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' ' +
                         (el.textContent || '').trim().slice(0, 40))"""


async def fits(page: Page, where: str) -> None:
    wide = await page.evaluate("document.documentElement.scrollWidth")
    if wide > 390:
        sticking = await page.evaluate(STICKING_OUT)
        raise AssertionError(f"{where} scrolls sideways at 390 px ({wide} px): {sticking}")


async def test_every_destination_by_keyboard_at_390(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(served.hub, plan="PRO")
    await add_user(tenant, "ada@acme.test", "admin", "Ada Administrator")
    await add_user(tenant, "sam@acme.test", "supervisor", "Samantha Supervisorsdottir")
    await add_user(tenant, "alex@acme.test", "agent", "Alexander Agentsson")
    page = await open_page(chromium, served, 390, 844)
    await sign_in(page, served, "ada@acme.test")

    menu = page.get_by_role("button", name="Menu")
    nav = page.locator("#main-nav")
    await expect(menu).to_have_attribute("aria-expanded", "false")
    await expect(nav).to_be_hidden()
    await expect(page.locator("#presence")).to_contain_text("Samantha Supervisorsdottir")
    await fits(page, "/inbox")

    for i, (name, path) in enumerate(DESTINATIONS):
        await page.goto(served.url + "/inbox")
        await menu.focus()
        await page.keyboard.press("Enter")
        await expect(menu).to_have_attribute("aria-expanded", "true")
        link = nav.get_by_role("link", name=name, exact=True)
        await expect(link).to_be_visible()
        if i == 0:
            await page.screenshot(path=ARTIFACTS / "phone-main-menu-390.png", full_page=True)
        await link.focus()
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(served.url + path)
        await fits(page, path)

    # Escape closes the menu and gives the focus back to its button.
    await page.goto(served.url + "/inbox")
    await menu.click()
    await expect(nav).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(nav).to_be_hidden()
    await expect(menu).to_be_focused()


async def test_admin_pages_fit_and_keep_still_at_390(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(served.hub, plan="PRO")
    await add_user(tenant, "ada@acme.test", "admin", "Ada Administrator")
    page = await open_page(chromium, served, 390, 844)
    await sign_in(page, served, "ada@acme.test")

    for path, _ in SECTIONS:
        await page.goto(served.url + path)
        toggle = page.locator(".admin-menu-toggle")
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await expect(page.locator("#admin-nav")).to_be_hidden()
        shift = await page.evaluate(CLS)
        assert shift < 0.05, f"{path} moves after the first paint (layout shift {shift:.3f})"
        await fits(page, path)

    await page.goto(served.url + "/admin/users")
    toggle = page.locator(".admin-menu-toggle")
    await toggle.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#admin-nav")).to_be_visible()
    await expect(page.locator("#admin-nav a[aria-current=page]")).to_have_count(1)
    await page.screenshot(path=ARTIFACTS / "phone-admin-menu-390.png", full_page=True)
    # The users' list keeps its Role, Teams and Status at phone width.
    row = page.locator("#users tbody tr").first
    for label in ("Role", "Status"):
        await expect(row.locator(f"td[data-label={label}]")).to_be_visible()
    await page.get_by_role("link", name="Teams and routing").click()
    await expect(page.locator("#admin-nav a[aria-current=page]")).to_have_count(1)
    await expect(page.locator(".admin-menu-toggle")).to_contain_text("Teams and routing")


async def test_danish_side_nav_keeps_its_words_inside(served: Served, chromium: Browser) -> None:
    tenant = await make_tenant(served.hub, plan="PRO")
    admin = await add_user(tenant, "dorthe@acme.test", "admin", "Dorthe")
    await admin.set({"language": "da"})
    page = await open_page(chromium, served)
    await sign_in(page, served, "dorthe@acme.test")
    await page.goto(served.url + "/admin/csat")
    link = page.locator("#admin-nav a[aria-current=page]")
    await expect(link).to_contain_text("undersøgelse")
    # Every label fits its box (the long Danish word breaks at its soft hyphen, not mid-word).
    sticking = await page.eval_on_selector_all(
        "#admin-nav a",
        "els => els.filter(a => a.scrollWidth > a.clientWidth).map(a => a.textContent)",
    )
    assert not sticking, sticking
    box = await link.bounding_box()
    assert box is not None and box["height"] < 60, box  # two lines at most
    await page.screenshot(path=ARTIFACTS / "da-admin-csat-1280.png", full_page=True)


async def test_a_conversation_fits_390_in_swedish_and_dutch(
    served: Served, chromium: Browser
) -> None:
    tenant = await make_tenant(served.hub, plan="PRO")
    admin = await add_user(tenant, "ada@acme.test", "admin", "Ada")
    message = {
        "id": "m1",
        "from": "+4520123456",
        "name": "Ann",
        "text": "Hello, where is my order?",
    }
    await webhook(served, tenant, messages=[message])
    conversation = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conversation is not None
    for lang in ("sv", "nl"):
        await admin.set({"language": lang})
        page = await open_page(chromium, served, 390, 844)
        await sign_in(page, served, "ada@acme.test")
        await page.goto(f"{served.url}/inbox/c/{conversation.id}")
        await expect(page.locator(".thread")).to_contain_text("where is my order")
        await fits(page, f"/inbox/c/… ({lang})")
        await page.context.close()
