"""The retention page: admins set the limits and see what the next purge deletes, and when."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright, expect

from hub.app import create_app
from hub.models import Account, AuditEvent
from hub.ops import embedded
from hub.pipeline import outbound
from hub.settings import Settings
from hub.tenants import retention
from tests.conftest import ARTIFACTS, Clock, Running, Tenant, make_tenant
from tests.core.helpers import inbound_conversation
from tests.inbox.conftest import PASSWORD, add_user, csrf_of, session_client


async def _resolve_long_ago(running: Running, tenant: Tenant, clock: Clock) -> None:
    clock.set(clock.at - dt.timedelta(days=60))
    conversation = await inbound_conversation(running.client, tenant, "+4519999999", "old-1")
    r = await running.client.patch(
        f"/api/v1/conversations/{conversation.id}", json={"status": "resolved"}, headers=tenant.auth
    )
    assert r.status_code == 200
    clock.advance(days=60)


async def test_admin_sets_retention_and_sees_what_goes(
    running: Running, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    await _resolve_long_ago(running, tenant, clock)
    await _resolve_long_ago(running, other_tenant, clock)
    await retention.set_retention(other_tenant.account, {"conversations_days": 1})
    admin = await add_user(tenant, "admin@acme.example", role="admin")
    async with session_client(running, admin) as browser:
        page = await browser.get("/admin/retention")
        assert page.status_code == 200, page.text
        assert "Data retention" in page.text and "0 conversations" in page.text
        saved = await browser.post(
            "/admin/retention",
            data={
                "csrf": csrf_of(page.text),
                "conversations_days": "30",
                "callback_notes_days": "",
                "activity_days": "14",
            },
        )
        assert saved.status_code == 303 and saved.headers["location"] == "/admin/retention?saved=1"
        after = await browser.get("/admin/retention?saved=1")
        assert "Saved." in after.text
        assert "1 conversations, 1 messages" in after.text  # its own, not the other account's
        assert 'value="30"' in after.text and 'value="14"' in after.text
        bad = await browser.post(
            "/admin/retention",
            data={"csrf": csrf_of(page.text), "conversations_days": "-3", "activity_days": "x"},
        )
        assert bad.status_code == 400 and "whole number of days" in bad.text
    stored = await Account.get(tenant.account.id)
    assert stored is not None
    assert stored.retention.model_dump() == {
        "conversations_days": 30,
        "callback_notes_days": None,
        "activity_days": 14,
    }
    changed = await AuditEvent.find_one(
        AuditEvent.account_id == tenant.account.id, AuditEvent.action == "retention.changed"
    )
    assert changed is not None and (changed.actor.type, changed.actor.id) == ("user", str(admin.id))
    untouched = await Account.get(other_tenant.account.id)
    assert untouched is not None and untouched.retention.conversations_days == 1


async def test_the_retention_page_needs_an_admin(running: Running, tenant: Tenant) -> None:
    agent = await add_user(tenant, "agent@acme.example", role="agent")
    async with session_client(running, agent) as browser:
        assert (await browser.get("/admin/retention")).status_code == 403
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    ) as anonymous:
        r = await anonymous.get("/admin/retention")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_a_form_from_another_session_is_refused(running: Running, tenant: Tenant) -> None:
    admin = await add_user(tenant, "admin@acme.example", role="admin")
    async with session_client(running, admin) as browser:
        r = await browser.post("/admin/retention", data={"csrf": "forged", "activity_days": "1"})
        assert r.status_code == 403
    stored = await Account.get(tenant.account.id)
    assert stored is not None and stored.retention.activity_days == 30


@pytest.fixture
async def served(settings: Settings, connectors: dict[str, Any]) -> AsyncIterator[tuple[str, Any]]:
    port = embedded.free_port()
    settings = dataclasses.replace(settings, public_url=f"http://127.0.0.1:{port}")
    async with outbound.guarded_client() as http:
        app = create_app(settings, connectors=connectors, http=http)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "uvicorn did not start"
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}", app.state.hub
        server.should_exit = True
        await task


@pytest.mark.browser
async def test_retention_page_in_chromium_by_keyboard_at_two_widths(
    served: tuple[str, Any],
) -> None:
    url, hub = served
    tenant = await make_tenant(hub, "Acme")
    await add_user(tenant, "admin@acme.example", role="admin")
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for width, name in ((1280, "wide"), (390, "narrow")):
                context = await browser.new_context(viewport={"width": width, "height": 900})
                page = await context.new_page()
                await page.goto(url + "/admin/retention")
                await page.get_by_label("Email").fill("admin@acme.example")
                await page.get_by_label("Password").fill(PASSWORD)
                await page.get_by_role("button", name="Sign in").click()
                await expect(page).to_have_url(url + "/admin/retention")
                field = page.get_by_label(
                    "Resolved conversations, with their messages and files (days)"
                )
                await field.focus()
                await page.keyboard.press("Control+a")
                await page.keyboard.type("90")
                await page.keyboard.press("Enter")
                await expect(page.locator("p.notice[role=status]")).to_contain_text("Saved.")
                await expect(field).to_have_value("90")
                await page.screenshot(
                    path=ARTIFACTS / f"admin-retention-{name}.png", full_page=True
                )
                await context.close()
        finally:
            await browser.close()
