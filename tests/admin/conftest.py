"""Admin fixtures: an admin of the test tenant, a signed-in client for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.models import User
from tests.conftest import CONNECTORS, Running, Tenant
from tests.inbox.conftest import add_user, session_client


@pytest.fixture
def connectors() -> dict[str, Any]:
    return dict(CONNECTORS)


@pytest.fixture
async def admin(tenant: Tenant) -> User:
    return await add_user(tenant, "boss@acme.test", "admin", "Bo Boss")


@pytest.fixture
async def as_admin(running: Running, admin: User) -> AsyncIterator[httpx.AsyncClient]:
    client = session_client(running, admin)
    yield client
    await client.aclose()
