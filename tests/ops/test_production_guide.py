"""docs/operations.md's production set-up, run as written: a database node started by hand,
two ``parley serve`` processes and the ``parley`` command on it, a backup while they serve,
a restore into a new database, an upgrade. Then the upgrade once more, onto a database an
older hub wrote (``fixtures/before-26.tar``): the two processes migrate it once.

The blocks are read from the page (the ``production guide`` marks), so the page and this
test cannot drift; only the ports and ``/srv/parley`` are replaced by the test's own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from hub.ops import embedded
from tests.ops.test_migrations import KEPT, OLD

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "operations.md"
BLOCK = re.compile(r"<!-- docs-test: skip production guide[^>]*-->\n```sh\n(.*?)\n```", re.DOTALL)
RESTORE_OLD = (
    "python3 -c 'import asyncio, sys; from pathlib import Path; from pymongo import "
    "AsyncMongoClient; from hub.store import backup\n"
    "async def go():\n"
    "    c = AsyncMongoClient(sys.argv[1]); await backup.restore(c[sys.argv[2]], Path(sys.argv[3]))\n"
    'asyncio.run(go())\' "$PARLEY_MONGODB_URI" parley_restored ' + str(OLD)
)


def blocks() -> list[str]:
    found = BLOCK.findall(PAGE.read_text())
    assert len(found) == 5, "the guide's five steps are marked in docs/operations.md"
    return found


def run(script: str, srv: Path, timeout: float = 150) -> subprocess.CompletedProcess[str]:
    ports = {"27017": embedded.free_port(), "8001": embedded.free_port(),
             "8002": embedded.free_port()}  # fmt: skip
    for given, port in ports.items():
        script = script.replace(given, str(port))
    script = script.replace("/srv/parley", str(srv))
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(srv),
        "PYTHONPATH": str(ROOT),
        "PARLEY_SMTP_PORT": str(embedded.free_port()),
    }
    process = subprocess.Popen(
        ["bash", "-euc", script], env=env, cwd=srv, text=True, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = process.communicate(timeout=timeout)
    finally:  # whatever the script started (its database, its hubs) ends with it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def lines(text: str) -> list[dict[str, object]]:
    """The JSON objects printed one after another (curl ends none with a newline)."""
    found, at, decoder = [], 0, json.JSONDecoder()
    while (at := text.find("{", at)) >= 0:
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def test_the_production_guide_runs_as_written(tmp_path: Path) -> None:
    done = run("\n".join(blocks()), tmp_path)
    assert done.returncode == 0, (done.stdout, done.stderr)
    shown = lines(done.stdout)
    user, contact, found, backed, restored, after = shown[:6]
    assert "id" in user and contact["name"] == "Ann Lee"
    assert [c["name"] for c in found["data"]] == ["Ann Lee"]  # type: ignore[attr-defined]
    assert backed["documents"] == restored["documents"]
    assert [c["name"] for c in after["data"]] == ["Ann Lee"]  # type: ignore[attr-defined]


def test_the_guide_upgrades_an_older_database_once(tmp_path: Path) -> None:
    start, _, serve, _, upgrade = blocks()
    serve_only = serve.split("\ncurl")[0]  # the two hubs on a new database; the old one's key
    script = "\n".join([start, RESTORE_OLD, f"KEY={KEPT['api_key']}", serve_only, upgrade])
    done = run(script, tmp_path)
    assert done.returncode == 0, (done.stdout, done.stderr)
    contacts = lines(done.stdout)[-1]["data"]
    assert {c["phone"] for c in contacts} == {"+4520123456", "+4520654321"}  # type: ignore[attr-defined]
    logs = "".join(p.read_text() for p in (tmp_path / "var").glob("serve-*.log"))
    assert len(re.findall(r"schema migration 1 done", logs)) == 1, logs
