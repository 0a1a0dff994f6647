"""Sign-in, sign-out, session expiry, the database-backed rate limit, and CSRF refusals."""

from __future__ import annotations

import base64
import json
import time

import httpx
from itsdangerous import TimestampSigner

from hub.inbox import throttle
from hub.models import LoginAttempt, User
from hub.settings import Settings
from tests.conftest import Running, Tenant
from tests.inbox.conftest import PASSWORD, csrf_of


def _client(running: Running, address: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app, client=(address, 123)),
        base_url="http://hub.test",
    )


async def _attempt(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    token = csrf_of((await client.get("/login")).text)
    return await client.post("/login", data={"email": email, "password": password, "csrf": token})


async def test_sign_in_and_out(running: Running, agent: User) -> None:
    async with _client(running) as client:
        first = await client.get("/inbox")
        assert first.status_code == 303 and first.headers["location"] == "/login?next=%2Finbox"
        wrong = await _attempt(client, agent.email, "not the password")
        assert wrong.status_code == 400 and "Wrong email or password" in wrong.text
        ok = await _attempt(client, agent.email.upper(), PASSWORD)
        assert ok.status_code == 303 and ok.headers["location"] == "/inbox"
        page = await client.get("/inbox")
        assert page.status_code == 200 and agent.name in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert (await User.get(agent.id)).presence == "available"  # type: ignore[union-attr]
        out = await client.post("/logout", data={"csrf": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert (await client.get("/inbox")).status_code == 303
        assert (await User.get(agent.id)).presence == "offline"  # type: ignore[union-attr]


async def test_next_stays_on_this_site(running: Running, agent: User) -> None:
    async with _client(running) as client:
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
            token = csrf_of((await client.get("/login")).text)
            r = await client.post(
                "/login",
                data={"email": agent.email, "password": PASSWORD, "csrf": token, "next": target},
            )
            assert r.headers["location"] == "/inbox", target
            await client.post("/logout", data={"csrf": csrf_of((await client.get("/inbox")).text)})


async def test_login_needs_csrf(running: Running, agent: User) -> None:
    async with _client(running) as client:
        await client.get("/login")
        r = await client.post("/login", data={"email": agent.email, "password": PASSWORD})
        assert r.status_code == 403
        assert (await client.get("/inbox")).status_code == 303  # still signed out


async def test_rate_limit_counts_failures_in_the_database(running: Running, agent: User) -> None:
    """Failures are documents, not process memory: those another ``parley serve`` stored
    lock the email here too, and five failures here are five documents."""
    key = f"pair:{agent.email}|127.0.0.1"
    await LoginAttempt.insert_many([LoginAttempt(key=key) for _ in range(5)])  # another process
    async with _client(running) as client:
        locked = await _attempt(client, agent.email, PASSWORD)
        assert locked.status_code == 429 and "Too many failed attempts" in locked.text
        assert (await client.get("/inbox")).status_code == 303
    await LoginAttempt.find(LoginAttempt.key == key).delete()
    async with _client(running) as client:
        for _ in range(5):
            assert (await _attempt(client, agent.email, "wrong password")).status_code == 400
        assert (await _attempt(client, agent.email, PASSWORD)).status_code == 429
    assert await LoginAttempt.find(LoginAttempt.key == key).count() == 5
    indexes = await LoginAttempt.get_pymongo_collection().index_information()
    assert any(spec.get("expireAfterSeconds") for spec in indexes.values())


async def test_success_clears_failures(running: Running, agent: User) -> None:
    async with _client(running) as client:
        for _ in range(4):
            await _attempt(client, agent.email, "wrong password")
        assert (await _attempt(client, agent.email, PASSWORD)).status_code == 303
    assert await LoginAttempt.find(LoginAttempt.key == f"pair:{agent.email}|127.0.0.1").count() == 0


async def test_a_strangers_guesses_do_not_lock_the_user_out_elsewhere(
    running: Running, agent: User
) -> None:
    """Throttling counts per (email, address) and per address, not per email alone."""
    async with _client(running, "203.0.113.9") as stranger:
        for _ in range(5):
            assert (await _attempt(stranger, agent.email, "guess")).status_code == 400
        assert (await _attempt(stranger, agent.email, PASSWORD)).status_code == 429
    async with _client(running, "198.51.100.7") as owner:
        ok = await _attempt(owner, agent.email, PASSWORD)
        assert ok.status_code == 303 and ok.headers["location"] == "/inbox"
    # The stranger is still held back for that email (a success elsewhere clears nothing).
    async with _client(running, "203.0.113.9") as stranger:
        assert (await _attempt(stranger, agent.email, PASSWORD)).status_code == 429


async def test_one_address_guessing_many_emails_is_held_back(running: Running, agent: User) -> None:
    async with _client(running, "203.0.113.10") as sprayer:
        for i in range(throttle.MAX_PER_CLIENT):
            assert (await _attempt(sprayer, f"user{i}@acme.test", "guess")).status_code == 400
        assert (await _attempt(sprayer, agent.email, PASSWORD)).status_code == 429
    async with _client(running, "198.51.100.8") as owner:
        assert (await _attempt(owner, agent.email, PASSWORD)).status_code == 303


async def test_expired_session_is_refused(
    running: Running, settings: Settings, agent: User
) -> None:
    """A session cookie signed longer ago than ``session_max_age`` no longer signs anyone in."""
    data = {"uid": str(agent.id), "aid": str(agent.account_id), "csrf": "t"}
    payload = base64.b64encode(json.dumps(data).encode())

    class Then(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - settings.session_max_age - 60

    old = Then(settings.secret_key).sign(payload).decode()
    fresh = TimestampSigner(settings.secret_key).sign(payload).decode()
    async with _client(running) as client:
        client.cookies.set("parley_session", fresh)
        assert (await client.get("/inbox")).status_code == 200  # the forged-fresh control works
        client.cookies.set("parley_session", old)
        assert (await client.get("/inbox")).status_code == 303


async def test_unsafe_requests_need_the_token(
    running: Running, tenant: Tenant, signed_in: httpx.AsyncClient
) -> None:
    from hub.models import Conversation
    from tests.inbox.conftest import post_inbound

    await post_inbound(running.client, tenant, "m1", "+4511", "hi")
    conv = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert conv is not None
    url = f"/inbox/c/{conv.id}/status"
    assert (await signed_in.post(url, data={"status": "resolved"})).status_code == 403
    bad = await signed_in.post(url, data={"status": "resolved", "csrf": "forged"})
    assert bad.status_code == 403
    bad = await signed_in.post(url, data={"status": "resolved"}, headers={"X-CSRF-Token": "forged"})
    assert bad.status_code == 403
    assert (await Conversation.get(conv.id)).status == "open"  # type: ignore[union-attr]
    token = csrf_of((await signed_in.get("/inbox")).text)
    ok = await signed_in.post(
        url, data={"status": "resolved"}, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )
    assert ok.status_code == 204 and "conv-changed" in ok.headers["hx-trigger"]
    assert (await Conversation.get(conv.id)).status == "resolved"  # type: ignore[union-attr]


async def test_signed_out_htmx_and_events(running: Running) -> None:
    async with _client(running) as client:
        r = await client.get("/inbox", headers={"HX-Request": "true"})
        assert r.status_code == 204 and r.headers["hx-redirect"].startswith("/login")
        assert (await client.get("/inbox/events")).status_code == 401
        assert (await client.post("/inbox/presence", data={"presence": "away"})).status_code == 401
