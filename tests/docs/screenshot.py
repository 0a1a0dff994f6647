"""The README's screenshot, taken from a running demo hub with Playwright and Debian's Chromium.

    .venv/bin/python -m tests.docs.screenshot            # writes docs/images/inbox.png

It does what the README's tour does (the demo account, an SMS channel on the Twilio
stand-in, a customer's message, the answer through the API), then signs in as the agent
and photographs the conversation, at 1280 x 720.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from hub.ops import embedded

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OUT = ROOT / "docs/images/inbox.png"


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, f"{url} did not answer"
            time.sleep(0.2)


def _parley(env: dict[str, str], cwd: str, *args: str) -> dict[str, str]:
    done = subprocess.run([str(BIN / "parley"), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, check=True)  # fmt: skip
    result: dict[str, str] = json.loads(done.stdout)
    return result


def main() -> None:
    hub_port, standin_port = embedded.free_port(), embedded.free_port()
    base = f"http://127.0.0.1:{hub_port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
        env.update(PARLEY_SMTP_PORT=str(embedded.free_port()), PARLEY_OUTBOUND_ALLOW="127.0.0.1/32")
        hub = subprocess.Popen([str(BIN / "parley"), "serve", "--demo", "--port", str(hub_port)],
                               env=env, cwd=tmp, stdout=subprocess.DEVNULL)  # fmt: skip
        standin = subprocess.Popen(
            [sys.executable, str(ROOT / "examples/twilio_standin.py"), "--auth-token",
             "demo-token", "--port", str(standin_port)], stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait(f"{base}/readyz")
            _wait(f"http://127.0.0.1:{standin_port}/")
            demo = json.loads((Path(tmp) / "var/demo.json").read_text())
            config = {"account_sid": "AC" + "0" * 32, "auth_token": "demo-token",
                      "from_number": "+15005550006",
                      "api_base_url": f"http://127.0.0.1:{standin_port}"}  # fmt: skip
            channel = _parley(env, tmp, "channel", "add", "--account", demo["account_id"],
                              "--type", "twilio_sms", "--name", "Shop SMS",
                              "--config", json.dumps(config))["id"]  # fmt: skip
            for sender, text in (("+4520123456", "Hi, is my order on its way?"),
                                 ("+4520987654", "Can I return a pair of shoes?")):  # fmt: skip
                _parley(env, tmp, "simulate", "sms", "--channel", channel, "--from", sender,
                        "--text", text)  # fmt: skip
            key = {"Authorization": f"Bearer {demo['api_key']}"}
            found = httpx.get(f"{base}/api/v1/conversations?channel_id={channel}", headers=key)
            first = found.json()["data"][-1]["id"]
            httpx.post(f"{base}/api/v1/conversations/{first}/messages", headers=key,
                       json={"text": "Yes, it left the warehouse this morning."})  # fmt: skip
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                page.goto(f"{base}/inbox")
                page.get_by_label("Email").fill("agent@demo.parley.test")
                page.get_by_label("Password").fill("parley-demo")
                page.get_by_role("button", name="Sign in").click()
                expect(page).to_have_url(f"{base}/inbox")
                page.goto(f"{base}/inbox/c/{first}")
                expect(page.locator("#messages")).to_contain_text("Yes, it left the warehouse")
                expect(page.locator("#messages")).to_contain_text("Delivered", timeout=15000)
                expect(page.locator("li.conv")).to_have_count(2)
                OUT.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(OUT))
                browser.close()
        finally:
            for process in (standin, hub):
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    print(f"{OUT}: {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
