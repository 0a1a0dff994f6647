"""A prompt, clean stop with a crowd: ``parley serve`` with 300 inbox streams open ends
within 5 s of SIGTERM, its embedded database with it. Real processes, real sockets."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from base64 import b64encode
from pathlib import Path

import itsdangerous

from tests.core.test_cli import Operator

STREAMS = 300
STOP_LIMIT = 5.0


async def _stream(port: int, cookie: str) -> asyncio.StreamWriter:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET /inbox/events HTTP/1.1\r\nHost: t\r\nCookie: parley_session={cookie}\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    while b"event: ready" not in await reader.readline():
        pass
    return writer


async def test_sigterm_with_many_streams_open_stops_within_5_s(tmp_path: Path) -> None:
    op = Operator(tmp_path / "var")
    account = op.run("account", "create", "--name", "Shop", "--plan", "PRO", "--seats", "3")["id"]
    user = op.run("user", "create", "--account", account, "--email", "ann@shop.test",
                  "--password", "password1", "--role", "agent")["id"]  # fmt: skip
    secret = (op.data_dir / "secret_key").read_text().strip()
    session = {"uid": user, "aid": account, "csrf": "x"}
    signer = itsdangerous.TimestampSigner(secret)
    cookie = signer.sign(b64encode(json.dumps(session).encode())).decode()
    serve = op.serve()
    try:
        writers = []
        for _ in range(STREAMS // 50):
            writers += await asyncio.gather(*(_stream(op.port, cookie) for _ in range(50)))
        started = time.monotonic()
        serve.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(serve.wait, 30)
        took = time.monotonic() - started
    finally:
        if serve.poll() is None:
            serve.kill()
    print(f"\nstopped in {took:.1f} s with {STREAMS} streams open")
    log = (op.data_dir.parent / "serve.log").read_text()
    assert code == 0, log[-2000:]
    assert took < STOP_LIMIT, f"{took:.1f} s to stop with {STREAMS} streams\n{log[-2000:]}"
    assert op.db_processes() == [] and not (op.data_dir / "db.json").exists()
    for writer in writers:
        writer.close()
