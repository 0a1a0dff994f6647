"""The README's "first ten minutes", in Debian's Chromium, against ``parley serve --demo``.

A visitor writes on the widget demo page, the agent signs in with the demo password and
answers in the inbox, the visitor sees the answer, the supervisor's wallboard counts it
answered, and the admin opens /admin. Screenshots of each step go to the test's directory.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from hub.ops import embedded
from tests.docs.test_examples import _wait_ready

pytestmark = pytest.mark.browser
BIN = Path(sys.executable).parent
VISITOR_TEXT = "Hello, do you ship to Norway?"
ANSWER = "Yes, in two to four days."


def _sign_in(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{base}/inbox")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("parley-demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/inbox")
    return page


def test_the_first_ten_minutes(tmp_path: Path) -> None:
    port = embedded.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env["PARLEY_SMTP_PORT"] = str(embedded.free_port())
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        hub = subprocess.Popen(
            [str(BIN / "parley"), "serve", "--demo", "--port", str(port)],
            env=env, cwd=tmp_path, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        _wait_ready(f"{base}/readyz", hub, log)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
            )
            # 2. A visitor writes on the widget demo page.
            visitor = browser.new_page(viewport={"width": 1280, "height": 720})
            visitor.goto(f"{base}/widget/demo")
            visitor.locator("button[data-parley=launcher]").click()
            chat = visitor.frame_locator("iframe[data-parley=frame]")
            expect(chat.locator("#parley-chat[data-live='1']")).to_be_attached(timeout=15000)
            chat.locator(".composer textarea").fill(VISITOR_TEXT)
            chat.locator(".composer textarea").press("Enter")
            expect(chat.locator(".msg.in:not(.pending) .text")).to_have_text([VISITOR_TEXT])

            # 1 and 4. The agent signs in with the demo password and answers in the inbox.
            agent = _sign_in(browser, base, "agent@demo.parley.test")
            row = agent.locator("li.conv", has_text=VISITOR_TEXT)
            expect(row).to_have_count(1)
            row.locator("a").first.click()
            expect(agent.locator("#messages")).to_contain_text(VISITOR_TEXT)
            box = agent.get_by_role("textbox", name="Message")
            box.fill(ANSWER)
            box.press("Control+Enter")
            expect(agent.locator("#messages .msg.out", has_text=ANSWER)).to_have_count(1)
            agent.screenshot(path=str(tmp_path / "inbox.png"))
            expect(chat.locator(".msg.out .text")).to_have_text([ANSWER])
            visitor.screenshot(path=str(tmp_path / "widget.png"))

            # 5. The supervisor's wallboard counts it answered today.
            supervisor = _sign_in(browser, base, "supervisor@demo.parley.test")
            supervisor.goto(f"{base}/wallboard")
            answered = supervisor.locator("[data-figure=answered] .wb-num")
            expect(answered.filter(has_text=re.compile(r"^\s*1\s*$"))).not_to_have_count(0)
            supervisor.screenshot(path=str(tmp_path / "wallboard.png"))

            # 6. The admin's pages.
            admin = _sign_in(browser, base, "admin@demo.parley.test")
            admin.goto(f"{base}/admin")
            expect(admin.get_by_text("Demo Shop").first).to_be_visible()
            admin.screenshot(path=str(tmp_path / "admin.png"))
            browser.close()
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=60)
