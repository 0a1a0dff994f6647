"""Inbox fixtures: tenants with users, and clients signed in through the real /login form."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx
import pytest
from itsdangerous import TimestampSigner
from pydantic import Field

from hub.contract import Capabilities
from hub.models import User
from hub.tenants import auth
from tests.conftest import CONNECTORS, Running, Tenant
from tests.fakes import EchoConnector, TestConfig, signed_headers, webhook_body

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


@functools.cache
def password_hash() -> str:
    """Argon2 costs ~0.6 s a hash on the test machine: hash the shared password once."""
    return auth.hash_password(PASSWORD)


async def add_user(tenant: Tenant, email: str, role: str = "agent", name: str = "") -> User:
    assert tenant.account.id is not None
    user = User(
        account_id=tenant.account.id,
        email=email,
        name=name or email.split("@")[0],
        password_hash=password_hash(),
        role=role,  # type: ignore[arg-type]
    )
    await user.insert()
    return user


def session_client(running: Running, user: User) -> httpx.AsyncClient:
    """A client holding a session cookie for ``user``, signed as SessionMiddleware signs it
    (the form sign-in is tested in test_signin; this skips its deliberate Argon2 cost)."""
    data = {"uid": str(user.id), "aid": str(user.account_id), "csrf": secrets.token_urlsafe(24)}
    payload = base64.b64encode(json.dumps(data).encode())
    cookie = TimestampSigner(running.hub.settings.secret_key).sign(payload).decode()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    client.cookies.set("parley_session", cookie)
    return client


async def sign_in(running: Running, email: str, password: str = PASSWORD) -> httpx.AsyncClient:
    """A new client (its own cookie jar) signed in through the login form."""
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    page = await client.get("/login")
    token = CSRF_INPUT.search(page.text)
    assert token, page.text
    r = await client.post(
        "/login",
        data={"email": email, "password": password, "csrf": token.group(1), "next": "/inbox"},
    )
    assert r.status_code == 303, r.text
    return client


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found, html
    return found.group(1)


async def post_inbound(
    client: httpx.AsyncClient,
    tenant: Tenant,
    msg_id: str,
    sender: str,
    text: str,
    name: str = "Ann",
) -> None:
    body = webhook_body([{"id": msg_id, "from": sender, "name": name, "text": text}])
    r = await client.post(tenant.webhook, content=body, headers=signed_headers(body))
    assert r.status_code == 200, r.text


@pytest.fixture
async def agent(tenant: Tenant) -> User:
    return await add_user(tenant, "agent@acme.test", "agent", "Agnes Agent")


@pytest.fixture
async def signed_in(running: Running, agent: User) -> AsyncIterator[httpx.AsyncClient]:
    client = session_client(running, agent)
    yield client
    await client.aclose()


# --------------------------------------------------------------------------- channel kinds


class WindowConfig(TestConfig):
    templates: list[dict[str, Any]] = Field(default_factory=list)


class WindowConnector(EchoConnector):
    """A WhatsApp-like test channel: a 24-hour window, templates, SMS-style segments."""

    type: ClassVar[str] = "test_window"
    label = "Window test channel"
    capabilities = Capabilities(
        media=True, templates=True, segments=True, max_text_length=1600,
        reply_window=dt.timedelta(hours=24),
    )  # fmt: skip
    Config = WindowConfig


class MailConnector(EchoConnector):
    """An email-like test channel: subjects and HTML."""

    type: ClassVar[str] = "test_mail"
    label = "Mail test channel"
    capabilities = Capabilities(media=True, html=True, subject=True)


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "test_window": WindowConnector, "test_mail": MailConnector}
