"""In Chromium: a visitor on another site asks for a callback in the widget; it appears live
in an agent's callback list, and the agent calls and logs an attempt with a note."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.async_api import Browser, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from hub.centre.callbacks import lifecycle as callbacks
from hub.models import CallbackRequest
from hub.ops import embedded
from tests.centre.callback_helpers import team_with_callbacks
from tests.conftest import ARTIFACTS, make_tenant
from tests.inbox.conftest import add_user
from tests.inbox.test_browser import Served, chromium, open_page, served, sign_in
from webchat_widget.session import identity_hash

pytestmark = pytest.mark.browser
__all__ = ["chromium", "served"]  # fixtures used here


async def shop_page(request: Request) -> HTMLResponse:
    q = request.query_params
    return HTMLResponse(
        "<!doctype html><title>Shop</title><h1>Shop</h1>"
        f'<script src="{q["hub"]}/widget/v1/loader.js" data-channel="{q["channel"]}" '
        f'data-lang="da" data-user-id="{q["user"]}" data-user-hash="{q["hash"]}" '
        'data-user-name="Vera" data-user-phone="+4520123456" async></script>'
    )


@pytest.fixture
def shop() -> Iterator[str]:
    port = embedded.free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/", shop_page)]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "shop page server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


async def test_visitor_asks_agent_sees_it_live_and_logs_an_attempt(
    served: Served, chromium: Browser, shop: str
) -> None:
    tenant = await make_tenant(
        served.hub,
        "Shop",
        channel_type="webchat",
        config={"allowed_origins": [shop], "prechat_fields": []},
    )
    team = await team_with_callbacks(
        served.hub, tenant, always_in_widget=True, offer_from="00:00", offer_until="23:59",
        windows=[["08:00", "10:00"], ["16:00", "18:00"]],
    )  # fmt: skip
    await add_user(tenant, "agnes@shop.test", name="Agnes")
    await add_user(tenant, "boss@shop.test", "admin", name="Boss")

    agent = await open_page(chromium, served)
    await sign_in(agent, served, "agnes@shop.test")
    await agent.goto(served.url + "/inbox/callbacks")
    await expect(agent.locator("#rows .empty")).to_have_text("No callbacks here.")

    visitor = await open_page(chromium, served, 1280, 860)
    digest = identity_hash(tenant.channel_extra["identity_secret"], "vera-1")
    await visitor.goto(
        f"{shop}/?hub={served.url}&channel={tenant.channel.id}&user=vera-1&hash={digest}"
    )
    await visitor.locator("button[data-parley=launcher]").click()
    frame = visitor.frame_locator("iframe[data-parley=frame]")
    await expect(frame.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
    offer = frame.get_by_role("button", name="Ring mig op i stedet")
    await expect(offer).to_be_visible(timeout=15000)
    await offer.click()
    await expect(frame.get_by_label("Telefonnummer")).to_have_value("+4520123456")
    choices = frame.get_by_label("Hvornår")
    labels = await choices.locator("option").all_text_contents()
    assert len(labels) >= 2 and all("–" in t for t in labels), labels
    await choices.select_option(index=len(labels) - 1)  # tomorrow's last window: always ahead
    await frame.get_by_label("Note eller kundenummer (valgfrit)").fill("kunde 77")
    await visitor.screenshot(path=ARTIFACTS / "widget-callback-panel.png")
    await frame.get_by_role("button", name="Ring mig op", exact=True).click()
    done = frame.locator(".cb-done")
    await expect(done).to_contain_text("Tak. Vi ringer til dig på +4520123456")
    await expect(done).to_contain_text(labels[-1].lower())  # the chosen window, in the sentence
    await visitor.screenshot(path=ARTIFACTS / "widget-callback-done.png")

    row = agent.locator("#rows tr.cb")
    await expect(row).to_have_count(1, timeout=15000)  # live, no reload
    await expect(row.locator("td.input")).to_have_text("kunde 77")
    await expect(row.locator("a.tel")).to_have_attribute("href", "tel:+4520123456")
    await agent.screenshot(path=ARTIFACTS / "callbacks-list.png", full_page=True)
    await row.get_by_role("button", name="I'm calling now").click()
    await expect(agent.locator(".cb-feedback")).to_contain_text("You are calling +4520123456")
    await expect(agent.locator("#rows tr.cb .calling-badge")).to_be_visible()
    await agent.locator("#rows tr.cb").get_by_label("Outcome").select_option("no_answer")
    await (
        agent.locator("#rows tr.cb")
        .get_by_label("Note (required)")
        .fill("Voicemail, try after lunch")
    )
    await agent.locator("#rows tr.cb").get_by_role("button", name="Log attempt").click()
    await expect(agent.locator(".cb-feedback")).to_contain_text("re-queued for another try")
    await expect(agent.locator("#rows tr.cb td.note")).to_have_text("Voicemail, try after lunch")
    await agent.screenshot(path=ARTIFACTS / "callbacks-after-attempt.png", full_page=True)
    [stored] = await CallbackRequest.find(CallbackRequest.account_id == tenant.account.id).to_list()
    assert stored.status == "requeued" and [a.note for a in stored.attempts] == [
        "Voicemail, try after lunch"
    ]
    assert stored.source == "widget" and stored.handler_name == "Agnes"
    assert await callbacks.waiting_count(tenant.account.id, stored.team_id) == 1  # type: ignore[arg-type]

    phone = await open_page(chromium, served, 390, 800)
    await sign_in(phone, served, "agnes@shop.test")
    await phone.goto(served.url + "/inbox/callbacks")
    await expect(phone.locator("#rows tr.cb")).to_have_count(1)
    await phone.screenshot(path=ARTIFACTS / "callbacks-phone.png", full_page=True)

    admin = await open_page(chromium, served)
    await sign_in(admin, served, "boss@shop.test")
    await admin.goto(f"{served.url}/inbox/teams/{team.id}/callback")
    await admin.get_by_label("Try a no-answer callback again after (minutes)").fill("45")
    await admin.get_by_role("button", name="Save").click()
    await expect(admin.locator(".notice")).to_have_text("Callback offer saved.")
    await admin.screenshot(path=ARTIFACTS / "callback-offer-settings.png", full_page=True)
