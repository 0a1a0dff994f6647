"""The installable inbox in Chromium: the manifest is installable, the service worker registers
and controls /inbox, keeps the static files, shows the offline page (in the user's language)
when the hub is gone and reloads when it is back, turns a push into a notification, and leaves
nothing in the caches after sign-out."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, Response, async_playwright, expect
from starlette.applications import Starlette

from hub.app import create_app
from hub.models import User
from hub.ops import embedded
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import PASSWORD, add_user
from tests.inbox.test_browser import (  # noqa: F401 - fixtures
    CHROMIUM_ARGS,
    chromium,
    open_page,
    sign_in,
)

pytestmark = [pytest.mark.browser]

CACHES = """caches.keys().then(keys => Promise.all(keys.map(key => caches.open(key)
  .then(cache => cache.keys()).then(requests => [key, requests.map(r => r.url)]))))"""
NOTIFICATIONS = """navigator.serviceWorker.ready.then(reg => reg.getNotifications()).then(list =>
  list.map(n => ({title: n.title, body: n.body, tag: n.tag, icon: n.icon, badge: n.badge,
                  url: n.data && n.data.url})))"""

CLICK = """tag => self.registration.getNotifications().then(list => {
  const notification = list.find(n => n.tag === tag);
  self.dispatchEvent(new NotificationEvent("notificationclick", {notification}));
})"""


@dataclasses.dataclass
class Stoppable:
    """The hub under uvicorn, which the test can stop (the network gone) and start again."""

    url: str
    hub: Hub
    app: Starlette
    port: int
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = server = uvicorn.Server(config)
        self.task = task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        assert self.server is not None and self.task is not None
        self.server.should_exit = True
        await self.task


@pytest.fixture
async def stoppable(settings: Settings, connectors: dict[str, Any]) -> AsyncIterator[Stoppable]:
    port = embedded.free_port()
    settings = dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}")
    async with httpx.AsyncClient() as http:
        app = create_app(settings, connectors=connectors, http=http)
        # The app's lifespan runs once, here; uvicorn only serves it (and may stop and start).
        async with app.router.lifespan_context(app):
            served = Stoppable(f"http://127.0.0.1:{port}", app.state.hub, app, port)
            await served.start()
            yield served
            if served.server is not None and not served.task.done():  # type: ignore[union-attr]
                await served.stop()


async def poll(what: Callable[[], Awaitable[Any]], ok: Callable[[Any], bool], label: str) -> Any:
    """Poll the page from here (its CSP refuses wait_for_function's eval)."""
    value = None
    for _ in range(200):
        value = await what()
        if ok(value):
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"{label}: still {value!r}")


async def controlled(page: Page) -> str | None:
    script: str | None = await page.evaluate(
        "navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL"
    )
    return script


async def test_the_installed_inbox(stoppable: Stoppable, chromium: Browser) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    url = stoppable.url
    tenant = await make_tenant(stoppable.hub)
    user = await add_user(tenant, "dina@acme.test", "agent", "Dina")
    user.language = "da"
    await user.save()

    page = await open_page(chromium, stoppable, width=390, height=844)  # type: ignore[arg-type]
    context = page.context
    await context.grant_permissions(["notifications"], origin=url)
    cdp = await context.new_cdp_session(page)
    registrations: dict[str, str] = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    await cdp.send("ServiceWorker.enable")
    await sign_in(page, stoppable, "dina@acme.test")  # type: ignore[arg-type]

    # The worker registers for /inbox and takes control of the open page.
    await poll(lambda: controlled(page), lambda v: v == f"{url}/sw.js", "the controller")
    scope = await page.evaluate(
        "navigator.serviceWorker.getRegistration('/inbox').then(r => r && r.scope)"
    )
    assert scope == f"{url}/inbox"
    kept = dict(await poll(lambda: page.evaluate(CACHES), lambda v: len(v) == 2, "the caches"))
    static = next(urls for name, urls in kept.items() if name.startswith("parley-static-"))
    pages = next(urls for name, urls in kept.items() if name.startswith("parley-page-"))
    assert pages == [f"{url}/inbox/offline"]  # no page with the account's data
    assert any("/static/inbox.css?v=" in u for u in static)
    assert all(u.startswith(f"{url}/static/") for u in static)

    # Chromium's own installability check (what Lighthouse reports) finds nothing missing.
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["url"] == f"{url}/manifest.webmanifest?lang=da" and not manifest["errors"]
    assert json.loads(manifest["data"])["description"].startswith("Parleys indbakke")
    errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
    assert [e["errorId"] for e in errors if e["errorId"] != "in-incognito"] == []

    # A push from the hub becomes a notification, one per conversation, opening the inbox only.
    registration = registrations[f"{url}/inbox"]
    payload = {"kind": "reply", "conversation_id": "c1", "title": "Kunden svarede",
               "body": "Hvor er min pakke?", "url": f"{url}/inbox/c/c1"}  # fmt: skip
    await cdp.send("ServiceWorker.deliverPushMessage",
                   {"origin": url, "registrationId": registration, "data": json.dumps(payload)})  # fmt: skip
    hostile = {**payload, "conversation_id": "c2", "url": "https://evil.test/inbox"}
    await cdp.send("ServiceWorker.deliverPushMessage",
                   {"origin": url, "registrationId": registration, "data": json.dumps(hostile)})  # fmt: skip
    shown = await poll(lambda: page.evaluate(NOTIFICATIONS), lambda v: len(v) == 2, "notes")
    by_tag = {note["tag"]: note for note in shown}
    assert by_tag["c1"]["title"] == "Kunden svarede"
    assert by_tag["c1"]["body"] == "Hvor er min pakke?"
    assert by_tag["c1"]["url"] == f"{url}/inbox/c/c1"
    assert "/static/app/icon-192.png?v=" in by_tag["c1"]["icon"]
    assert "/static/app/badge-96.png?v=" in by_tag["c1"]["badge"]
    assert by_tag["c2"]["url"] == f"{url}/inbox"  # another site's address is never opened
    # Clicked, it takes the open inbox to the conversation. (Headless Chromium cannot click a
    # notification: the worker's handler gets an event dispatched in the worker, untrusted, so
    # the focus the browser allows only after a real click is not exercised.)
    workers = [w for w in context.service_workers if w.url == f"{url}/sw.js"]
    assert workers, context.service_workers
    await workers[0].evaluate(CLICK, "c1")
    await expect(page).to_have_url(f"{url}/inbox/c/c1")

    # The hub goes away: a page asked for shows the offline page, its files from the cache.
    await stoppable.stop()
    answers: list[Response] = []
    page.on("response", lambda answer: answers.append(answer))
    await page.goto(f"{url}/inbox/contacts")
    await expect(page.get_by_role("heading", name="Ingen forbindelse til Parley")).to_be_visible()
    await expect(page.get_by_role("link", name="Prøv igen")).to_be_visible()
    files = [a for a in answers if "/static/" in a.url]
    assert files and all(a.from_service_worker and a.ok for a in files), files
    width = await page.evaluate(
        "getComputedStyle(document.querySelector('.offline-page')).maxWidth"
    )
    assert width != "none"  # inbox.css applied (from the cache)
    await page.screenshot(path=ARTIFACTS / "app-offline-da-390.png", full_page=True)

    # It is back: the offline page notices and loads the page asked for.
    await stoppable.start()
    await context.set_offline(True)  # the browser's own "offline", then "online" again
    await context.set_offline(False)
    await expect(page.get_by_role("heading", name="Kontakter")).to_be_visible()
    # Opened by its own address, it leads to the inbox once the hub answers (no reload loop).
    await page.goto(f"{url}/inbox/offline")
    await context.set_offline(True)
    await context.set_offline(False)
    await expect(page).to_have_url(f"{url}/inbox")

    # Signing out leaves no cache behind (a shared computer).
    await page.goto(f"{url}/inbox")
    await page.locator("#notify-settings summary").click()
    await page.get_by_role("button", name="Log ud").click()
    # (the stream's "signed-out" event may win the race and add ?ended=1: inbox.js)
    await expect(page).to_have_url(re.compile(rf"^{re.escape(url)}/login(\?ended=1)?$"))
    assert await poll(lambda: page.evaluate(CACHES), lambda v: v == [], "the caches") == []
    shown = "navigator.serviceWorker.getRegistration('/inbox').then(r => r.getNotifications())"
    assert await page.evaluate(f"{shown}.then(list => list.length)") == 0

    # The next sign-in (in Swedish now) fills them again: the offline page in the new language.
    again = await User.get(user.id)  # as sign-out left it (its sessions ended)
    assert again is not None
    again.language = "sv"
    await again.save()
    await sign_in(page, stoppable, "dina@acme.test")  # type: ignore[arg-type]
    kept_language = (
        "caches.match('/inbox/offline').then(r => r && r.headers.get('content-language'))"
    )
    await poll(lambda: page.evaluate(kept_language), lambda v: v == "sv", "the offline page")
    await stoppable.stop()
    await page.goto(f"{url}/inbox")
    await expect(page.get_by_role("heading", name="Ingen anslutning till Parley")).to_be_visible()


async def test_chromium_finds_the_inbox_installable(stoppable: Stoppable, tmp_path: Path) -> None:
    """In a real (not off-the-record) profile Chromium's installability check, the one
    Lighthouse reports, has nothing to say about the signed-in inbox."""
    tenant = await make_tenant(stoppable.hub)
    await add_user(tenant, "ines@acme.test", "agent", "Ines")
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        try:
            page = await context.new_page()
            await page.goto(f"{stoppable.url}/login")
            await page.get_by_label("Email").fill("ines@acme.test")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Sign in").click()
            await expect(page).to_have_url(f"{stoppable.url}/inbox")
            script = f"{stoppable.url}/sw.js"
            await poll(lambda: controlled(page), lambda v: v == script, "the controller")
            cdp = await context.new_cdp_session(page)
            errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
            assert errors == []
            manifest = await cdp.send("Page.getAppManifest")
            assert manifest["errors"] == [] and manifest["url"].endswith("?lang=en")
        finally:
            await context.close()
