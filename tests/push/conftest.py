"""A real push service on a loopback port, and subscribers with keys of their own.

``PushService`` is a threaded HTTP server: for each ``POST /push/<id>`` it verifies the
VAPID JWT (ES256, ``aud`` its own origin, ``exp`` in the future) with PyJWT against the
public key the hub published, checks that the ``k=`` the hub sent is that key, and
decrypts the body through ``http_ece`` with the subscriber's private key and auth secret.
What it got (or why it refused) is kept for the test to read. Each endpoint can be told to
answer other statuses first (``plan``) or to answer slowly (``delay``).

The hub is let through to it explicitly: the test settings' guard allows 127.0.0.1/32
(``outbound_allow``), and ``push_http_loopback=True`` lets an ``http://`` endpoint on a
loopback address be subscribed (a setting no environment variable sets: tests only).
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hub.settings import Settings
from tests.inbox.conftest import agent, csrf_of, signed_in

__all__ = ["agent", "signed_in"]  # the inbox's fixtures, used here too


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclasses.dataclass
class Subscriber:
    """A browser's side of a push subscription: its private key and auth secret."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64(point)

    def json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": b64(self.auth)}}


@dataclasses.dataclass
class Received:
    push_id: str
    payload: dict[str, Any] | None
    error: str | None
    headers: dict[str, str]
    status: int


class PushService:
    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.public_key: str = ""  # the hub's, from GET /inbox/push/key
        self.subscribers: dict[str, Subscriber] = {}
        self.plan: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.delay: float = 0.0
        self.received: list[Received] = []
        #: Bodies POSTed to ``/hook``: the same server plays an event-webhook receiver.
        self.hooks: list[bytes] = []
        self.in_flight = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def subscriber(self, name: str) -> Subscriber:
        key = ec.generate_private_key(ec.SECP256R1())
        found = Subscriber(f"{self.origin}/push/{name}", key, os.urandom(16))
        self.subscribers[name] = found
        return found

    def got(self, push_id: str | None = None) -> list[Received]:
        with self.lock:
            return [r for r in self.received if push_id is None or r.push_id == push_id]

    def verify(self, push_id: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        scheme, _, params = headers.get("authorization", "").partition(" ")
        assert scheme == "vapid", f"not a VAPID authorization: {scheme!r}"
        parts = dict(p.split("=", 1) for p in params.split(","))
        assert parts["k"] == self.public_key, "signed with another key than the published one"
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64(self.public_key)
        )
        claims = jwt.decode(
            parts["t"],
            public,
            algorithms=["ES256"],
            audience=self.origin,
            options={"require": ["exp", "aud", "sub"]},
        )
        assert claims["exp"] > time.time()
        assert headers.get("content-encoding") == "aes128gcm"
        assert int(headers.get("ttl", "-1")) > 0
        sub = self.subscribers[push_id]
        plain = http_ece.decrypt(
            body, private_key=sub.key, auth_secret=sub.auth, version="aes128gcm"
        )
        payload: dict[str, Any] = json.loads(plain)
        return payload

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                if self.path.startswith("/hook"):
                    body = self.rfile.read(int(self.headers.get("content-length", "0")))
                    with service.lock:
                        service.hooks.append(body)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                with service.lock:
                    service.in_flight += 1
                try:
                    self._answer()
                finally:
                    with service.lock:
                        service.in_flight -= 1

            def _answer(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                push_id = self.path.rsplit("/", 1)[-1]
                headers = {k.lower(): v for k, v in self.headers.items()}
                if service.delay:
                    time.sleep(service.delay)
                payload, error = None, None
                try:
                    payload = service.verify(push_id, headers, body)
                except Exception as exc:  # what the test shows when it fails
                    error = f"{type(exc).__name__}: {exc}"
                with service.lock:
                    planned = service.plan.get(push_id) or []
                    status, extra = planned.pop(0) if planned else (201, {})
                    if error:
                        status = 400
                    service.received.append(Received(push_id, payload, error, headers, status))
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, push_http_loopback=True)


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture
async def published(push_service: PushService, client: httpx.AsyncClient) -> PushService:
    """The push service knows the hub's public key, as a browser gets it."""
    r = await client.get("/inbox/push/key")
    assert r.status_code == 200, r.text
    push_service.public_key = r.json()["public_key"]
    return push_service


async def subscribe(client: httpx.AsyncClient, body: Any) -> httpx.Response:
    page = await client.get("/inbox/me")
    token = csrf_of(page.text)
    return await client.post(
        "/inbox/push/subscriptions",
        content=json.dumps(body),
        headers={
            "X-CSRF-Token": token,
            "Content-Type": "application/json",
            "User-Agent": "Mozilla/5.0 (Linux; Android 14) Firefox/128.0",
        },
    )


async def wait_for(
    service: PushService, push_id: str, count: int = 1, limit: float = 15.0
) -> list[Received]:
    """The pushes ``push_id`` got, once there are ``count`` (fails after ``limit`` seconds)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        found = service.got(push_id)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{push_id}: {len(service.got(push_id))} pushes, not {count}")
