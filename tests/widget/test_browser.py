"""The widget in Debian's Chromium, embedded in pages served from other origins than the hub.

The hub runs as a real ``parley serve`` process on one port; the host pages come
from a small uvicorn app on two other ports (one allowed, one not). Agent
replies go through the generic API, as an integration would send them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, FrameLocator, Page, expect, sync_playwright
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from hub.models import Contact, Conversation, Sender
from hub.ops import embedded
from hub.ops.cli import open_hub
from hub.pipeline import outbox
from hub.settings import Settings
from hub.tenants import accounts
from webchat_widget import indicators
from webchat_widget.session import identity_hash

pytestmark = pytest.mark.browser
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4c40000000049454e44ae426082"
)
SECRET = "browser-test-secret"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for this module only: Playwright's sync API holds an event loop while it runs,
    which must be gone before the next module's async tests start."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


# --------------------------------------------------------------------------- host pages


async def host_page(request: Request) -> HTMLResponse:
    """A shop page that embeds the widget with the attributes given in the query."""
    q = request.query_params
    if "hub" not in q:
        return HTMLResponse("not found", status_code=404)
    attrs = " ".join(
        f'data-{name}="{q[key]}"'
        for key, name in (("lang", "lang"), ("user", "user-id"), ("hash", "user-hash"))
        if key in q
    )
    return HTMLResponse(
        f"<!doctype html><title>Shop {request.url.path}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"><h1>Shop</h1>'
        f'<script src="{q["hub"]}/widget/v1/loader.js" data-channel="{q["channel"]}" '
        f"{attrs} async></script>"
    )


class PageServer:
    """Serves ``host_page`` with uvicorn in a thread (the page's origin is its port)."""

    def __init__(self) -> None:
        self.port = embedded.free_port()
        app = Starlette(routes=[Route("/{path:path}", host_page)])
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> PageServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "page server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


# --------------------------------------------------------------------------- the hub


@dataclass
class LiveHub:
    settings: Settings
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        exe = Path(sys.executable).with_name("parley")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(exe), "serve", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "parley serve did not start"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(30)
            self.process = None

    def run(self, coro: Any) -> Any:
        """Run a coroutine against the hub's database in this (test) process."""

        async def wrapped() -> Any:
            async with open_hub(self.settings) as hub:
                return await coro(hub)

        # Playwright's sync API keeps an event loop in this thread: use another one.
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, wrapped()).result(60)


@dataclass
class World:
    hub: LiveHub
    shop: PageServer
    elsewhere: PageServer
    channel: str
    strict_channel: str
    strict_secret: str
    api_key: str
    night_channel: str

    def page_url(self, server: PageServer, channel: str, path: str = "/", **q: str) -> str:
        query = "&".join(
            f"{k}={v}" for k, v in {"hub": self.hub.url, "channel": channel, **q}.items()
        )
        return f"{server.origin}{path}?{query}"

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        return httpx.request(
            method, f"{self.hub.url}/api/v1{path}", headers=headers, timeout=10, **kw
        )


@pytest.fixture(scope="module")
def world(mongodb_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One hub and two page servers for the module; each test uses its own channel."""
    tmp_path = tmp_path_factory.mktemp("widget-browser")
    port = embedded.free_port()
    env = {
        **os.environ,
        "PARLEY_MONGODB_URI": mongodb_uri,
        "PARLEY_DATABASE": f"t_{uuid.uuid4().hex[:12]}",
        "PARLEY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "PARLEY_DATA_DIR": str(tmp_path / "var"),
        "PARLEY_SECRET_KEY": SECRET,
        "PARLEY_SMTP_PORT": str(embedded.free_port()),
        # The tests' SMTP sink listens on loopback, which the outbound guard refuses otherwise.
        "PARLEY_OUTBOUND_ALLOW": "127.0.0.1/32",
    }
    settings = Settings.from_env(env)
    live = LiveHub(settings, env, port, tmp_path / "hub.log")
    with PageServer() as shop, PageServer() as elsewhere:

        async def setup(hub: Any) -> tuple[str, str, str, str, str]:
            account = await accounts.create_account("Shop", "HUB", 3, ["generic_api"])
            chat, _ = await accounts.create_channel(
                hub,
                account,
                "webchat",
                "Shop chat",
                {"allowed_origins": [shop.origin], "prechat_fields": []},
            )
            strict, extra = await accounts.create_channel(
                hub,
                account,
                "webchat",
                "Members chat",
                {"allowed_origins": [shop.origin], "require_identity": True, "prechat_fields": []},
            )
            closed = {"timezone": "UTC", "days": {}}
            night, _ = await accounts.create_channel(
                hub,
                account,
                "webchat",
                "Night chat",
                {"allowed_origins": [shop.origin], "business_hours": closed},
            )
            _, key = await accounts.create_key(account)
            return str(chat.id), str(strict.id), extra["identity_secret"], key, str(night.id)

        channel, strict, secret, key, night = live.run(setup)
        live.start()
        try:
            yield World(live, shop, elsewhere, channel, strict, secret, key, night)
        finally:
            live.stop()


def open_chat(page: Page, url: str) -> FrameLocator:
    page.goto(url)
    page.locator("button[data-parley=launcher]").click()
    frame = page.frame_locator("iframe[data-parley=frame]")
    expect(frame.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
    return frame


def say(frame: FrameLocator, text: str) -> None:
    frame.locator(".composer textarea").fill(text)
    frame.locator(".composer textarea").press("Enter")


# --------------------------------------------------------------------------- scenarios


def test_chat_both_ways_resume_and_drop(page: Page, world: World) -> None:
    frame = open_chat(page, world.page_url(world.shop, world.channel))
    say(frame, "Hello <b>shop</b>")
    mine = frame.locator(".msg.in:not(.pending) .text")
    expect(mine).to_have_text(["Hello <b>shop</b>"])  # shown as text, never as markup
    assert frame.locator(".msg b").count() == 0

    conversations = world.api("GET", f"/conversations?channel_id={world.channel}").json()["data"]
    assert len(conversations) == 1
    conv_id = conversations[0]["id"]
    r = world.api(
        "POST",
        f"/conversations/{conv_id}/messages",
        json={
            "text": "Hi! <img src=x onerror=alert(1)>",
            "quick_replies": [{"title": "Track my order", "payload": "TRACK"}],
        },
    )
    assert r.status_code == 202, r.text
    theirs = frame.locator(".msg.out .text")
    expect(theirs).to_have_text(["Hi! <img src=x onerror=alert(1)>"])
    expect(frame.locator(".msg.out .who")).to_have_text(["API (default)"])
    assert frame.locator(".msg.out img").count() == 0
    frame.locator(".qr button", has_text="Track my order").click()
    expect(mine).to_have_text(["Hello <b>shop</b>", "Track my order"])

    # A reload, and another page of the same site, resume the conversation.
    page.reload()
    frame = open_chat(page, world.page_url(world.shop, world.channel, "/account"))
    expect(frame.locator(".msg .text")).to_have_text(
        ["Hello <b>shop</b>", "Hi! <img src=x onerror=alert(1)>", "Track my order"]
    )

    # The hub goes away: the visitor writes meanwhile and an agent replies meanwhile.
    world.hub.stop()
    say(frame, "Are you still there?")
    expect(frame.locator(".msg.pending .state")).to_have_count(1)

    async def reply(hub: Any) -> None:
        conversation = await Conversation.get(conv_id)
        await outbox.enqueue(
            hub, conversation, text="Back in a moment", sender=Sender(type="agent", name="Alex")
        )

    world.hub.run(reply)
    world.hub.start()
    expect(frame.locator(".msg .text")).to_have_text(
        [
            "Hello <b>shop</b>",
            "Hi! <img src=x onerror=alert(1)>",
            "Track my order",
            "Back in a moment",
            "Are you still there?",
        ],
        timeout=20000,
    )
    expect(frame.locator(".msg.pending")).to_have_count(0)

    messages = world.api("GET", f"/conversations/{conv_id}/messages").json()["data"]
    assert sorted(m["text"] for m in messages) == sorted(
        [
            "Hello <b>shop</b>",
            "Hi! <img src=x onerror=alert(1)>",
            "Track my order",
            "Back in a moment",
            "Are you still there?",
        ]
    )
    assert [m.get("delivery") for m in messages if m["text"] == "Back in a moment"] == ["delivered"]


def test_refusals(page: Page, world: World) -> None:
    # A site that is not allowed: the hub refuses the frame.
    with page.expect_response(lambda r: "/widget/v1/frame" in r.url) as refused:
        page.goto(world.page_url(world.elsewhere, world.channel))
    assert refused.value.status == 403
    # Lying about the origin does not help: the frame's CSP names only the allowed site.
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as blocked:
        page.evaluate(
            """([hub, channel, origin]) => {
                const f = document.createElement('iframe');
                f.src = `${hub}/widget/v1/frame?channel=${channel}&origin=${encodeURIComponent(origin)}`;
                document.body.appendChild(f);
            }""",
            [world.hub.url, world.channel, world.shop.origin],
        )
    assert f"frame-ancestors {world.shop.origin}" in blocked.value.text
    assert "blocked" in blocked.value.text

    # A member-only chat: a wrong identity hash is rejected (in Danish, as the page asks).
    wrong = identity_hash("not-the-secret", "member-7")
    page.goto(
        world.page_url(world.shop, world.strict_channel, lang="da", user="member-7", hash=wrong)
    )
    page.locator("button[data-parley=launcher]").click()
    frame = page.frame_locator("iframe[data-parley=frame]")
    expect(frame.locator(".notice")).to_have_text("Vi kunne ikke bekræfte, hvem du er.")
    expect(frame.locator(".composer")).to_be_hidden()
    # The right hash opens the chat.
    right = identity_hash(world.strict_secret, "member-7")
    frame = open_chat(
        page,
        world.page_url(world.shop, world.strict_channel, lang="da", user="member-7", hash=right),
    )
    say(frame, "Hej")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Hej"])
    expect(frame.locator(".composer button.send")).to_have_text("Send")
    conversations = world.api("GET", f"/conversations?channel_id={world.strict_channel}")
    assert len(conversations.json()["data"]) == 1


def test_prechat_offline_typing_and_unread(page: Page, world: World) -> None:
    frame = open_chat(page, world.page_url(world.shop, world.night_channel, lang="fr"))
    expect(frame.locator(".notice p").first).to_have_text(
        "Nous sommes absents pour le moment. Laissez votre adresse e-mail et nous répondrons par e-mail."
    )
    prechat = frame.locator("form.prechat")
    expect(frame.locator(".composer")).to_be_hidden()
    prechat.locator("input[name=name]").fill("Zoé")
    prechat.locator("input[name=email]").fill("zoe@example.com")
    prechat.locator("button").click()
    expect(prechat).to_have_count(0)
    expect(frame.locator(".notice .saved")).to_have_text("Merci ! Nous répondrons par e-mail.")
    say(frame, "Bonjour")
    expect(frame.locator(".msg.in:not(.pending) .text")).to_have_text(["Bonjour"])
    # A picture: uploaded, stored, and shown from the hub through a read-only ticket.
    frame.locator("input[type=file]").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    picture = frame.locator(".msg.in:not(.pending) img")
    expect(picture).to_have_attribute("alt", "dot.png")
    expect(picture).to_have_js_property("naturalWidth", 1)

    async def contact(hub: Any) -> tuple[Any, Any]:
        found = await Contact.find_one(Contact.email == "zoe@example.com")
        conv = await Conversation.find_one(Conversation.contact_id == found.id) if found else None
        return found, conv

    found, conversation = world.hub.run(contact)
    assert found.name == "Zoé" and found.attributes["reply_by_email"] is True
    assert conversation is not None and conversation.contact_name == "Zoé"

    # Typing, both ways, through the database's change stream.
    frame.locator(".composer textarea").press_sequentially("enc")

    async def visitor_typing(hub: Any) -> bool:
        for _ in range(100):
            doc = await hub.database["widget_typing"].find_one(
                {"conversation_id": conversation.id, "side": "visitor"}
            )
            if doc and doc["typing"]:
                return True
            await asyncio.sleep(0.05)
        return False

    assert world.hub.run(visitor_typing)

    async def agent_types(hub: Any) -> None:
        await indicators.set_typing(
            hub.database,
            account_id=conversation.account_id,
            conversation_id=conversation.id,
            side="agent",
            typing=True,
            name="Alex",
        )

    world.hub.run(agent_types)
    expect(frame.locator(".typing")).to_have_text("Alex écrit…")

    # Closed from inside the frame; a reply then shows as an unread count on the launcher.
    frame.locator("button.close").click()
    expect(page.locator("iframe[data-parley=frame]")).to_be_hidden()
    r = world.api("POST", f"/conversations/{conversation.id}/messages", json={"text": "Oui ?"})
    assert r.status_code == 202, r.text
    expect(page.locator("button[data-parley=launcher] span")).to_have_text("1")
    expect(frame.locator(".typing")).to_have_text("")
