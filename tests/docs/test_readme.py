"""The README's walkthrough runs as written: ``parley serve --demo``, the Twilio stand-in, then
terminal 3's commands in bash, in the demo account (only the ports and paths are moved)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from hub.ops import embedded
from tests.core.helpers import WAIT_LIMIT

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def readme_blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def walkthrough() -> str:
    """Terminal 3 of "SMS through a local Twilio stand-in"."""
    block = next(b for b in readme_blocks() if "# 3: " in b and "parley simulate sms" in b)
    return block[block.index("# 3: ") :]


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_LIMIT * 2
    while True:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{url} did not answer: {log.read_text()}"
        time.sleep(0.1)


def test_walkthrough_runs_in_the_demo_account(tmp_path: Path) -> None:
    hub_port, standin_port = embedded.free_port(), embedded.free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_DATA_DIR=str(tmp_path / "var"),
        PARLEY_SMTP_PORT=str(embedded.free_port()),
        PATH=f"{BIN}:{env.get('PATH', '')}",
    )
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:
        hub = subprocess.Popen(
            [str(BIN / "parley"), "serve", "--demo", "--port", str(hub_port)],
            env=env, cwd=tmp_path, stdout=out, stderr=out,
        )  # fmt: skip
    standin_log = tmp_path / "standin.log"
    with open(standin_log, "ab") as out:
        standin = subprocess.Popen(
            [sys.executable, str(ROOT / "examples/twilio_standin.py"), "--auth-token",
             "demo-token", "--port", str(standin_port)],
            env=env, stdout=out, stderr=out,
        )  # fmt: skip
    try:
        _wait_ready(f"http://127.0.0.1:{hub_port}/readyz", hub, log)
        _wait_ready(f"http://127.0.0.1:{standin_port}/", standin, standin_log)
        banner = log.read_text()
        assert "Sign in:  admin@demo.parley.test / parley-demo" in banner
        saved = json.loads((tmp_path / "var/demo.json").read_text())
        assert saved["account_id"] in banner and saved["api_key"] in banner

        script = (
            walkthrough()
            .replace("127.0.0.1:8000", f"127.0.0.1:{hub_port}")
            .replace("127.0.0.1:8765", f"127.0.0.1:{standin_port}")
            .replace('"$PWD/.venv/bin:$PATH"', '"$PATH"')
        )
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr + done.stdout
        reply = json.loads(done.stdout.strip().splitlines()[-1])
        assert reply["delivery"] == "queued" and reply["text"].startswith("Yes, it left")

        # The reply reached the stand-in, and the conversation is in the demo account's inbox.
        key = {"Authorization": f"Bearer {saved['api_key']}"}
        url = f"http://127.0.0.1:{hub_port}/api/v1/messages/{reply['id']}"
        deadline = time.monotonic() + WAIT_LIMIT
        while httpx.get(url, headers=key).json()["delivery"] != "delivered":
            assert time.monotonic() < deadline, standin_log.read_text()
            time.sleep(0.2)
        assert (
            "--> +4520123456: Yes, it left the warehouse this morning." in standin_log.read_text()
        )
    finally:
        for process in (standin, hub):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
