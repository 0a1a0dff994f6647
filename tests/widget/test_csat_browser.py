"""The satisfaction survey in the web chat widget, clicked in Chromium.

An agent resolves the conversation through the API; the running ``parley serve``
sends the survey as buttons; the visitor clicks one and the rating is stored on the
conversation, which stays resolved (the answer opens nothing).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hub.centre.csat import answers as csat
from hub.models import Channel
from tests.conftest import ARTIFACTS
from tests.widget.test_browser import (  # noqa: F401  (fixtures)
    World,
    browser,
    open_chat,
    page,
    say,
    world,
)

pytestmark = pytest.mark.browser


def test_widget_survey_buttons_clicked(page: Page, world: World) -> None:  # noqa: F811
    async def enable(hub: Any) -> None:
        channel = await Channel.get(world.channel)
        assert channel is not None
        await csat.configure(channel.account_id, True, "How did the Shop do?")

    world.hub.run(enable)
    frame = open_chat(page, world.page_url(world.shop, world.channel))
    say(frame, "Where is my parcel?")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Where is my parcel?"])
    [conversation] = world.api("GET", f"/conversations?channel_id={world.channel}").json()["data"]
    url = f"/conversations/{conversation['id']}"
    r = world.api("POST", f"{url}/messages", json={"text": "It arrives tomorrow."})
    assert r.status_code == 202, r.text
    r = world.api("PATCH", url, json={"status": "resolved"})
    assert r.status_code == 200, r.text

    expect(frame.locator(".msg.out .text").last).to_have_text("How did the Shop do?", timeout=20000)
    buttons = frame.locator(".qr button")
    expect(buttons).to_have_count(5)
    page.screenshot(path=ARTIFACTS / "widget-csat-survey.png")
    buttons.filter(has_text="4").click()
    expect(frame.locator(".msg.in:not(.pending) .text").last).to_have_text("4")
    expect(frame.locator(".qr button")).to_have_count(0)
    expect(frame.locator(".msg.out .text").last).to_have_text(
        "Thank you for your feedback!", timeout=20000
    )
    page.screenshot(path=ARTIFACTS / "widget-csat-answered.png")

    def rated() -> dict[str, Any]:
        return world.api("GET", url).json()  # type: ignore[no-any-return]

    for _ in range(100):
        if rated()["csat"]:
            break
        page.wait_for_timeout(100)
    found = rated()
    assert found["csat"]["rating"] == 4
    assert found["status"] == "resolved"
    others = world.api("GET", f"/conversations?channel_id={world.channel}&status=open").json()
    assert others["data"] == []
