"""The widget after a reload opens at its newest message, and a long paste is kept whole
with a visible counter and warning (never cut silently)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import FrameLocator, Page, expect

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
AT_BOTTOM = "s => s.scrollTop + s.clientHeight >= s.scrollHeight - 2"


def _at_bottom(frame: FrameLocator) -> bool:
    return bool(frame.locator(".scroll").evaluate(AT_BOTTOM))


def test_reload_opens_at_the_newest_message(page: Page, world: World) -> None:  # noqa: F811
    async def enable(hub: Any) -> None:
        channel = await Channel.get(world.channel)
        assert channel is not None
        await csat.configure(channel.account_id, True, "How did we do?")

    world.hub.run(enable)
    page.set_viewport_size({"width": 1000, "height": 700})
    frame = open_chat(page, world.page_url(world.shop, world.channel))
    say(frame, "Where is my parcel?")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Where is my parcel?"])
    [conversation] = world.api("GET", f"/conversations?channel_id={world.channel}").json()["data"]
    url = f"/conversations/{conversation['id']}"
    for n in range(12):
        r = world.api("POST", f"{url}/messages", json={"text": f"Looking into it, step {n}."})
        assert r.status_code == 202, r.text
    r = world.api("POST", f"{url}/messages", json={"text": "It arrives tomorrow."})
    assert r.status_code == 202, r.text
    assert world.api("PATCH", url, json={"status": "resolved"}).status_code == 200
    survey = frame.locator(".msg.out .text", has_text="How did we do?")
    expect(survey).to_be_visible(timeout=20000)

    # A reload: the chat catches up while closed (a hidden frame has no height), then opens
    # at the end of the conversation, not its start.
    page.reload()
    frame = page.frame_locator("iframe[data-parley=frame]")
    expect(frame.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
    expect(frame.locator(".msg.out")).to_have_count(14)
    page.locator("button[data-parley=launcher]").click()
    survey = frame.locator(".msg.out", has_text="How did we do?")
    expect(survey).to_have_count(1)
    expect(frame.locator(".qr button")).to_have_count(5)
    expect(survey).to_be_in_viewport()
    expect(frame.locator(".msg.out", has_text="It arrives tomorrow.")).to_be_in_viewport()
    expect(frame.locator(".welcome")).not_to_be_in_viewport()
    assert _at_bottom(frame)
    page.screenshot(path=ARTIFACTS / "widget-reopened-newest.png")
    # The list is a real list inside the live region (axe: listitem).
    assert frame.locator("[role=log] > ol.messages > li").count() >= 14
    assert frame.locator("ol[role=log]").count() == 0


def test_long_paste_is_counted_and_refused_whole(page: Page, world: World) -> None:  # noqa: F811
    frame = open_chat(page, world.page_url(world.shop, world.channel))
    box = frame.locator(".composer textarea")
    counter = frame.locator(".count")
    expect(counter).to_be_hidden()

    box.fill("x" * 6000)
    expect(box).to_have_js_property("value", "x" * 6000)  # kept whole, no maxlength
    expect(counter).to_be_visible()
    expect(counter).to_contain_text("6,000")
    expect(counter).to_contain_text("5,000")
    expect(counter).to_have_class("count over")
    expect(box).to_have_attribute("aria-invalid", "true")
    page.screenshot(path=ARTIFACTS / "widget-long-paste.png")
    box.press("Enter")
    expect(box).to_have_js_property("value", "x" * 6000)
    assert frame.locator(".msg.in").count() == 0  # nothing sent, nothing cut

    # Near the limit: a plain count; a message under it is sent whole.
    box.fill("y" * 4500)
    expect(counter).to_have_text("4,500 / 5,000 characters")
    expect(box).not_to_have_attribute("aria-invalid", "true")
    box.press("Enter")
    sent = frame.locator(".msg.in:not(.pending) .text")
    expect(sent).to_have_text(["y" * 4500], timeout=15000)
    expect(counter).to_be_hidden()
