"""Inbox fixtures: tenants with users, and clients signed in through the real /login form."""

from __future__ import annotations

import re

import httpx
import pytest

from hub import accounts
from hub.models import User
from hub.services import Hub
from tests.conftest import Running, Tenant
from tests.fakes import signed_headers, webhook_body

PASSWORD = "correct horse battery"
CSRF_INPUT = re.compile(r'name="csrf" value="([^"]+)"')


async def add_user(tenant: Tenant, email: str, role: str = "agent", name: str = "") -> User:
    return await accounts.create_user(tenant.account, email, PASSWORD, role, name=name)


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
async def signed_in(running: Running, agent: User) -> httpx.AsyncClient:
    client = await sign_in(running, agent.email)
    yield client
    await client.aclose()


@pytest.fixture
def hub_of(running: Running) -> Hub:
    return running.hub
