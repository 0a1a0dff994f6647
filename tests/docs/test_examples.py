"""Every shell example of README.md and docs/*.md runs, in order, against a demo hub.

The examples are the fenced blocks marked ``sh``: they run one after another in one bash
(``set -euo pipefail``), so a variable an example uses must be set by an earlier one, and a
``curl`` that gets an HTTP error fails the run (the test's ``curl`` adds ``--fail-with-body``).
Only the ports move: the documented ones (8000, 2525, 8765, 1025, 9000, 9100) become free ones.

An HTML comment just before a block says how it runs:
- ``<!-- docs-test: background PORT -->``: a stand-in the examples name (the Twilio stand-in,
  the SMTP sink, the FAQ bot, the webhook receiver) is started in the background, and the
  run goes on once PORT answers;
- ``<!-- docs-test: skip REASON -->``: for ``make serve`` (this test starts the hub itself,
  as ``make serve`` does) and a production set-up this machine has no server for.
Every other fence names a language that is not a shell (text, json, python, html, toml).
After the run the test checks that the stand-ins saw what the examples sent them.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.ops import embedded
from tests.core.helpers import WAIT_LIMIT

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
#: The order a reader goes through them in; every page of docs/ is listed.
PAGES = ["README.md", "docs/channels.md", "docs/api.md", "docs/contact-centre.md",
         "docs/operations.md", "docs/architecture.md", "docs/indexes.md"]  # fmt: skip
PORTS = ("8000", "2525", "8765", "1025", "9000", "9100")
SHELL = {"sh", "bash"}
NOT_SHELL = {"text", "json", "python", "html", "toml", "js", "ini", "nginx"}
SKIPPABLE = ("make serve", "mongod", "PARLEY_MONGODB_URI")
FENCE = re.compile(r"^```(\S*)\s*$")
MARK = re.compile(r"^<!-- docs-test: (background \d+|skip .+) -->$")


@dataclass
class Example:
    where: str
    lang: str
    text: str
    mark: str


def examples() -> list[Example]:
    found = []
    for page in PAGES:
        lines = (ROOT / page).read_text().splitlines()
        i = 0
        while i < len(lines):
            opened = FENCE.match(lines[i])
            if not opened:
                i += 1
                continue
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            mark = MARK.match(before)
            found.append(
                Example(
                    f"{page}:{i + 1}",
                    opened[1],
                    "\n".join(lines[i + 1 : end]),
                    mark[1] if mark else "",
                )
            )
            i = end + 1
    return found


def test_every_page_is_read_and_every_fence_names_its_language() -> None:
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md")) == sorted(
        PAGES[1:]
    )
    found = examples()
    assert [e.where for e in found if e.lang not in SHELL | NOT_SHELL] == []
    assert [e.where for e in found if e.mark and e.lang not in SHELL] == []
    skipped = [e for e in found if e.mark.startswith("skip")]
    assert [e.where for e in skipped if not any(s in e.text for s in SKIPPABLE)] == []
    assert sum(e.lang in SHELL and not e.mark for e in found) >= 20
    assert len((ROOT / "README.md").read_text().splitlines()) <= 300


def test_links_between_the_pages_lead_somewhere() -> None:
    """Every relative link names a file that exists, and its #anchor a heading of that file."""

    def anchors(path: Path) -> set[str]:
        heads = re.findall(r"^#+ (.+)$", path.read_text(), re.M)
        return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in heads}

    broken = []
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", (ROOT / page).read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            name, _, anchor = target.partition("#")
            path = ((ROOT / page).parent / name) if name else ROOT / page
            if not path.exists() or (anchor and anchor not in anchors(path)):
                broken.append(f"{page}: {target}")
    assert broken == []


def script(ports: dict[str, int], logs: Path) -> str:
    """The examples as one bash script, each announced so a failure names its place."""
    move = re.compile(r"\b(" + "|".join(PORTS) + r")\b")
    parts = [
        "set -Eeuo pipefail",
        "trap 'echo \"example at $WHERE failed: $BASH_COMMAND\" >&2' ERR",
        'curl() { command curl --silent --show-error --fail-with-body "$@"; }',
    ]
    for example in examples():
        if example.lang not in SHELL or example.mark.startswith("skip"):
            continue
        text = move.sub(lambda m: str(ports[m[1]]), example.text)
        parts.append(f"WHERE={example.where}")
        if example.mark.startswith("background"):
            port = ports[example.mark.split()[1]]
            log = logs / f"background-{port}.log"
            parts.append(f"( {text}\n) > {log} 2>&1 &")
            parts.append(
                f"for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null "
                f"&& break; sleep 0.1; done; (exec 3<>/dev/tcp/127.0.0.1/{port})"
            )
        else:
            parts.append(f'echo; echo "### {example.where} $(date +%s.%N)"\n{text}')
    parts.append("echo '### all examples ran'")
    return "\n".join(parts) + "\n"


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


def _eventually(check: str, look: Callable[[], bool], limit: float = WAIT_LIMIT) -> None:
    deadline = time.monotonic() + limit
    while not look():
        assert time.monotonic() < deadline, check
        time.sleep(0.2)


def test_every_example_runs_against_a_demo_hub(tmp_path: Path) -> None:
    ports = {p: embedded.free_port() for p in PORTS}
    (tmp_path / ".venv").symlink_to(BIN.parent)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(PARLEY_SMTP_PORT=str(ports["2525"]), PATH=f"{BIN}:{env.get('PATH', '')}")
    log = tmp_path / "serve.log"
    with open(log, "ab") as out:  # what `make serve PORT=…` runs
        hub = subprocess.Popen(
            [str(BIN / "parley"), "serve", "--demo", "--port", str(ports["8000"])],
            env=env, cwd=tmp_path, stdout=out, stderr=out,
        )  # fmt: skip
    run = None
    try:
        _wait_ready(f"http://127.0.0.1:{ports['8000']}/readyz", hub, log)
        assert "Sign in:  admin@demo.parley.test / parley-demo" in log.read_text()
        (tmp_path / "examples.sh").write_text(script(ports, tmp_path))
        run = subprocess.Popen(
            ["bash", str(tmp_path / "examples.sh")], env=env, cwd=tmp_path,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )  # fmt: skip
        output, _ = run.communicate(timeout=240)
        (tmp_path / "examples.out").write_text(output)
        assert run.returncode == 0 and output.endswith("### all examples ran\n"), output[-6000:]

        # The stand-ins took part: the stand-in sent the reply and called back, the sink
        # got the agent's mail, the receiver verified events, the FAQ bot answered.
        standin = tmp_path / f"background-{ports['8765']}.log"
        _eventually(
            standin.read_text(),
            lambda: "<-- status delivered" in standin.read_text(),
        )
        assert "--> +4520123456: Yes, it left the warehouse this morning." in standin.read_text()
        receiver = tmp_path / f"background-{ports['9100']}.log"
        _eventually(receiver.read_text(), lambda: "message.created" in receiver.read_text())
        assert "refused" not in receiver.read_text()
        saved = json.loads((tmp_path / "var/demo.json").read_text())
        key = {"Authorization": f"Bearer {saved['api_key']}"}
        api = f"http://127.0.0.1:{ports['8000']}/api/v1"

        def bot_answered() -> bool:
            found = httpx.get(f"{api}/conversations?limit=100", headers=key)
            for conversation in found.json()["data"]:
                messages = httpx.get(
                    f"{api}/conversations/{conversation['id']}/messages", headers=key
                ).json()["data"]
                if any("We are open" in (m.get("text") or "") for m in messages):
                    return True
            return False

        _eventually("the FAQ bot did not answer", bot_answered)
        sink = tmp_path / f"background-{ports['1025']}.log"
        _eventually(sink.read_text(), lambda: "support@example.test" in sink.read_text())
    finally:
        if run is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGTERM)
            run.wait(timeout=30)
        hub.send_signal(signal.SIGTERM)
        hub.wait(timeout=60)


def test_a_failing_example_fails_the_run(tmp_path: Path) -> None:
    """The harness itself: an HTTP error or an unset variable stops the run, naming the place."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    prelude = script({p: port for p in PORTS}, tmp_path).split("WHERE=")[0]
    for broken in (f"curl http://127.0.0.1:{port}/nothing", 'echo "$NEVER_SET"'):
        done = subprocess.run(
            ["bash", "-c", prelude + "WHERE=here.md:1\n" + broken + "\necho reached"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert done.returncode != 0 and "reached" not in done.stdout, done.stdout
        assert "here.md:1" in done.stderr or "NEVER_SET" in done.stderr, done.stderr
