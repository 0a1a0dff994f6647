# ruff: noqa: F811
# (the fixtures of test_browser are imported, and then used, by name)
"""The widget as visitors see it now, in Chromium on a host page of another origin: welcome,
who answers, seen state, unread while closed, phones, the page's Parley API, offline and
transcript. Screenshots at 1280 and 390 px go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, Page, expect

from hub.facts import activity
from hub.facts.reply_time import first_response_amounts
from hub.models import Contact, Conversation, Message, Sender, Team
from hub.ops import embedded
from hub.pipeline import outbox
from hub.store import conversations
from hub.tenants import accounts
from tests.email.conftest import Receiver
from tests.widget.test_browser import (  # noqa: F401  (fixtures)
    World,
    browser,
    open_chat,
    page,
    say,
    world,
)
from webchat_widget.session import identity_hash

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _make_channel(world: World, name: str, **config: Any) -> tuple[str, str, Any]:
    """A web chat channel of the world's account, its identity secret and its account."""

    async def make(hub: Any) -> tuple[str, str, Any]:
        channel = await hub.channel(world.channel)
        account = await accounts.get_account(str(channel.account_id))
        full = {"allowed_origins": [world.shop.origin], "prechat_fields": [], **config}
        made, extra = await accounts.create_channel(hub, account, "webchat", name, full)
        return str(made.id), extra["identity_secret"], account

    return world.hub.run(make)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def staffed(world: World) -> tuple[str, str]:
    """A channel with a greeting, a team with an available agent, and a week of answers."""
    channel, _, account = _make_channel(
        world, "Welcome chat", greeting="Hi! Ask us anything.", team_line="Usually online 9-17"
    )

    async def staff(hub: Any) -> str:
        team = Team(account_id=account.id, name="Shop crew")
        await team.insert()
        made = await hub.channel(channel)
        await made.set({"default_team_id": str(team.id)})
        user = await accounts.create_user(
            account, "alex@shop.test", "pw-123456789", "agent", "Alex Berg"
        )
        await user.set({"presence": "available", "team_ids": [str(team.id)]})
        for seconds in (100, 200, 250, 280, 900):
            await activity.record(
                account.id,
                "first_response",
                at=activity.now() - dt.timedelta(days=1),
                channel_id=channel,
                amounts=first_response_amounts(seconds),
            )
        return str(user.id)

    return channel, world.hub.run(staff)


def _conversation(world: World, channel: str) -> Conversation:
    async def find(hub: Any) -> Conversation | None:
        return await Conversation.find_one({"channel_id": (await hub.channel(channel)).id})

    found = world.hub.run(find)
    assert found is not None
    return found  # type: ignore[no-any-return]


def _reply(world: World, conversation: Conversation, text: str, user_id: str) -> None:
    async def send(hub: Any) -> None:
        sender = Sender(type="agent", id=user_id, name="Alex Berg")
        await outbox.enqueue(hub, conversation, text=text, sender=sender)

    world.hub.run(send)


def test_welcome_agents_seen_and_unread(page: Page, world: World, staffed: tuple[str, str]) -> None:
    channel, user_id = staffed
    page.set_viewport_size({"width": 1280, "height": 800})
    frame = open_chat(page, world.page_url(world.shop, channel))
    page.evaluate("window.got = []; addEventListener('parley:message', e => got.push(e.detail))")
    expect(frame.locator(".greeting")).to_have_text("Hi! Ask us anything.")
    expect(frame.locator(".reply-time")).to_have_text("We typically reply in 5 minutes")
    expect(frame.locator(".head .title")).to_have_text("Shop crew")
    expect(frame.locator(".head .team-line")).to_have_text("Usually online 9-17")
    expect(frame.locator(".head .avatars .avatar")).to_have_text(["AB"])

    say(frame, "My parcel is late, see https://track.example/123.")
    mine = frame.locator(".msg.in:not(.pending)")
    expect(mine.locator(".state")).to_have_text("Sent")
    link = mine.locator("a")
    expect(link).to_have_attribute("href", "https://track.example/123")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    assert mine.locator("time").get_attribute("data-exact")

    conversation = _conversation(world, channel)
    world.hub.run(lambda hub: conversations.mark_read(conversation.account_id, conversation))
    expect(mine.locator(".state")).to_have_text("Seen")

    _reply(world, conversation, "Sorry! It ships today.", user_id)
    reply = frame.locator(".msg.out")
    expect(reply.locator(".who")).to_have_text("Alex Berg")
    expect(reply.locator(".avatar")).to_have_text("AB")
    page.wait_for_function("got.some(m => m.direction === 'out' && m.sender_name === 'Alex Berg')")
    page.screenshot(path=ARTIFACTS / "widget-welcome-1280.png")

    frame.locator("button.close").click()
    _reply(world, conversation, "Anything else?", user_id)
    expect(page.locator("button[data-parley=launcher] [data-parley=unread]")).to_have_text("1")
    page.wait_for_function("document.title.startsWith('(1)')")
    page.screenshot(path=ARTIFACTS / "widget-unread-1280.png")


def test_phone_is_full_screen(browser: Browser, world: World, staffed: tuple[str, str]) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    try:
        frame = open_chat(phone, world.page_url(world.shop, staffed[0]))
        expect(frame.locator(".greeting")).to_be_visible()
        box = phone.locator("iframe[data-parley=frame]").bounding_box()
        assert box is not None and (box["x"], box["y"], box["width"], box["height"]) == (
            0,
            0,
            390,
            844,
        )
        inner = frame.locator("html")
        assert inner.evaluate("e => e.scrollWidth <= e.clientWidth")
        assert phone.evaluate("document.documentElement.scrollWidth <= 390")
        size = frame.locator(".composer textarea").evaluate("e => getComputedStyle(e).fontSize")
        assert size == "16px"  # no zoom on focus
        phone.screenshot(path=ARTIFACTS / "widget-phone-390.png")
        frame.locator("button.close").click()
        expect(phone.locator("button[data-parley=launcher]")).to_be_visible()
    finally:
        context.close()


def _verified(world: World, channel: str) -> tuple[bool, dict[str, Any]]:
    async def check(hub: Any) -> tuple[bool, dict[str, Any]]:
        cid = (await hub.channel(channel)).id
        message = await Message.find_one({"channel_id": cid, "direction": "in"})
        conversation = await Conversation.get(message.conversation_id)
        contact = await Contact.get(conversation.contact_id)
        return bool(message.metadata.get("verified")), contact.attributes

    return world.hub.run(check)  # type: ignore[no-any-return]


def test_set_user_queue_and_bad_calls(browser: Browser, world: World) -> None:
    good_channel, secret, _ = _make_channel(world, "Member chat")
    bad_channel, _, _ = _make_channel(world, "Guest chat")
    for channel, user_hash, verified in (
        (good_channel, identity_hash(secret, "member-9"), True),
        (bad_channel, identity_hash("wrong", "member-9"), False),
    ):
        context = browser.new_context()
        page = context.new_page()
        warnings: list[str] = []
        page.on("console", lambda m, seen=warnings: seen.append(m.text))
        # Called before the loader arrives: waits in the queue.
        page.add_init_script(
            "window.Parley = {q: [['setUser', [{id: 'member-9', name: 'Nine', hash: 'HASH'}]],"
            " ['setAttributes', [{plan: 'gold'}]]]};".replace("HASH", user_hash)
        )
        frame = open_chat(page, world.page_url(world.shop, channel))
        page.evaluate("Parley.setUser({id: 'x'}); Parley.setLanguage('xx')")
        say(frame, "Hello from a member")
        expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Hello from a member"])
        is_verified, attributes = _verified(world, channel)
        assert is_verified is verified
        assert ("verified_user_id" in attributes) is verified
        assert any("setUser needs" in w for w in warnings)
        assert any("setLanguage needs" in w for w in warnings)
        if not verified:
            assert any("stays unverified" in w for w in warnings)
        else:
            assert attributes.get("plan") == "gold"
        context.close()


@pytest.fixture
def smtp() -> Iterator[Receiver]:
    receiver = Receiver()
    controller = Controller(receiver, hostname="127.0.0.1", port=embedded.free_port())
    controller.start()
    receiver.port = controller.port
    yield receiver
    controller.stop()


def test_offline_form_and_transcript(page: Page, world: World, smtp: Receiver) -> None:
    tomorrow = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[
        (dt.date.today().weekday() + 1) % 7
    ]
    closed = {"timezone": "UTC", "days": {tomorrow: [["09:00", "17:00"]]}}
    channel, _, account = _make_channel(world, "Evening chat", business_hours=closed)
    mail = {
        "address": "support@shop.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": "none",
        "from_name": "Shop",
    }

    async def add_mail(hub: Any) -> None:
        await accounts.create_channel(hub, account, "email", "Shop mail", mail)

    world.hub.run(add_mail)
    frame = open_chat(page, world.page_url(world.shop, channel))
    notice = frame.locator(".notice")
    # The hub runs on the real clock: the chat opens only tomorrow, so it is closed now.
    expect(notice.locator(".back")).to_contain_text("We are back")
    notice.locator("input[name=email]").fill("late@example.com")
    notice.locator("button").click()
    expect(notice.locator(".saved")).to_have_text("Thanks! We will answer by email.")

    async def stored(hub: Any) -> Contact | None:
        return await Contact.find_one({"account_id": account.id, "email": "late@example.com"})

    contact = world.hub.run(stored)
    assert contact is not None and contact.attributes["reply_by_email"] is True
    say(frame, "Please mail me this")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Please mail me this"])
    frame.locator("button.transcript").click()  # to the address given in the offline form
    expect(frame.locator(".tools .saved")).to_have_text("Sent to late@example.com.")
    page.screenshot(path=ARTIFACTS / "widget-offline-transcript-1280.png")
    deadline = dt.datetime.now() + dt.timedelta(seconds=20)
    while not smtp.received:
        assert dt.datetime.now() < deadline, "no transcript arrived"
        page.wait_for_timeout(100)
    assert smtp.received[0].rcpt_tos == ["late@example.com"]
    assert b"Please mail me this" in smtp.received[0].data


def test_language_reset_and_open_close_events(page: Page, world: World) -> None:
    channel, _, _ = _make_channel(world, "Shop chat two")
    frame = open_chat(page, world.page_url(world.shop, channel))
    page.evaluate(
        "window.seen = []; ['open', 'close', 'ready'].forEach(n =>"
        " addEventListener('parley:' + n, () => seen.push(n)))"
    )
    say(frame, "Before logout")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Before logout"])
    page.evaluate("Parley.close(); Parley.open()")
    page.wait_for_function("seen.join() === 'close,open'")
    page.evaluate("Parley.setLanguage('da')")
    expect(frame.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
    expect(frame.locator(".composer textarea")).to_have_attribute("placeholder", "Skriv en besked…")
    expect(frame.locator(".msg.in .text")).to_have_text(["Before logout"])  # same visitor
    page.wait_for_function("seen.includes('ready')")
    page.evaluate("Parley.reset()")
    expect(frame.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
    expect(frame.locator(".greeting")).to_be_visible()
    expect(frame.locator(".msg")).to_have_count(0)  # a new visitor: nothing of the last one
