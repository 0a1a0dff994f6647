"""Probe: does the embedded server's cost per write step up with a server setting?

    .venv/bin/python bench/step.py [--writes 14000] [--step 2000] [--no-retry-writes]
                                   [-- <secantusd-py flags>]
    SECANTUS_CHECKPOINT_SECONDS=5 .venv/bin/python bench/step.py

Starts a fresh ``secantusd-py`` on a temporary data directory with the flags the hub
uses (``--sync-on-commit``) plus the ones given after ``--``, inserts ``--writes`` small
documents into one collection (``_id`` only; 4 concurrent ``insert_one`` clients) and
prints, for each ``--step``, the server's CPU per insert, its resident memory and its
write-ahead log files: the step the hub sees after ~10,000 writes shows as a jump in the
CPU column. ``--no-retry-writes`` connects with ``retryWrites=false``: the server then
keeps no retryable-write record per write (``docs/operations.md``, "Database performance").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ingest
from pymongo import AsyncMongoClient

from hub.ops import embedded


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _log_files(home: str) -> str:
    logs = list(Path(home).glob("WiredTigerLog.*"))
    return f"{len(logs)} log files ({sum(f.stat().st_size for f in logs) / 1e6:.1f} MB)"


async def _insert(coll: Any, todo: Iterator[int]) -> None:
    for i in todo:
        await coll.insert_one({"n": i, "text": "hello " * 20})


async def run(args: argparse.Namespace, port: int, pid: int, home: str, flags: str) -> None:
    uri = f"mongodb://127.0.0.1:{port}/?retryWrites={'false' if args.no_retry_writes else 'true'}"
    client: AsyncMongoClient[Any] = AsyncMongoClient(uri)
    coll = client["probe"]["docs"]
    ckpt = os.environ.get("SECANTUS_CHECKPOINT_SECONDS", "default")
    print(
        f"flags: {flags}; retryWrites {not args.no_retry_writes}; checkpoint seconds {ckpt}; load {ingest.load()}"
    )
    for start in range(0, args.writes, args.step):
        todo = iter(range(start, start + args.step))
        cpu0, t0 = ingest.cpu_seconds(pid), time.monotonic()
        await asyncio.gather(*[_insert(coll, todo) for _ in range(4)])
        took, cpu = time.monotonic() - t0, ingest.cpu_seconds(pid) - cpu0
        print(
            f"  {start + args.step:6} writes: {args.step / took:5.0f}/s, server CPU "
            f"{cpu * 1000 / args.step:5.2f} ms an insert, RSS {_rss_mb(pid):6.1f} MB, "
            f"{_log_files(home)}"
        )
    await client.close()


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writes", type=int, default=14000)
    parser.add_argument("--step", type=int, default=2000)
    parser.add_argument("--no-retry-writes", action="store_true")
    args = parser.parse_args(own)
    with tempfile.TemporaryDirectory(prefix="parley-step-") as tmp:
        port = embedded.free_port()
        cmd = [*embedded._daemon_command(), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--storage-path", f"{tmp}/db", "--sync-on-commit", "--log-level", "WARNING"]
        server = subprocess.Popen([*cmd, *extra], stdout=subprocess.DEVNULL)
        try:
            while not embedded._port_open(port):
                time.sleep(0.05)
            flags = " ".join(extra) or "(the hub's)"
            asyncio.run(run(args, port, server.pid, f"{tmp}/db", flags))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
