"""Helpers of the contact-centre tests: agents, teams, arrivals, bounded waits, local servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx
import uvicorn

from hub.models import Conversation, User
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.conftest import Tenant
from tests.fakes import signed_headers, webhook_body

T = TypeVar("T")


async def make_centre(hub: Hub, name: str = "Centre") -> Tenant:
    """An account with ten seats, the generic API, a test channel and a key."""
    account = await accounts.create_account(name, "HUB", 10, ["generic_api"])
    channel, extra = await accounts.create_channel(hub, account, "test", f"{name} line", {})
    _, key = await accounts.create_key(account)
    return Tenant(account, channel, key, extra)


async def agent(
    client: httpx.AsyncClient, t: Tenant, name: str, capacity: int | None = 1, **extra: Any
) -> User:
    """An available agent with ``capacity``."""
    user = await accounts.create_user(
        t.account, f"{name.lower().replace(' ', '.')}@centre.test", "password1", "agent", name
    )
    fields = {"presence": "available", "capacity": capacity, **extra}
    r = await client.patch(f"/api/v1/users/{user.id}", json=fields, headers=t.auth)
    assert r.status_code == 200, r.text
    return user


async def team(client: httpx.AsyncClient, t: Tenant, **fields: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/teams", json=fields, headers=t.auth)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def default_team(t: Tenant, team_id: str, hub: Hub | None = None) -> None:
    """New conversations on the tenant's channel go to ``team_id``.

    With ``hub``: wait until its channel cache has the change (it is dropped by the
    channel's change event, which arrives a moment later).
    """
    await t.channel.set({"default_team_id": team_id})
    if hub is not None:
        assert t.channel.id is not None

        async def seen() -> bool:
            found = await hub.channel(t.channel.id)  # type: ignore[arg-type]
            return found is not None and found.default_team_id == team_id

        await eventually(seen, "the channel's new default team")


async def arrive(
    client: httpx.AsyncClient, t: Tenant, sender: str, pid: str, name: str | None = None
) -> Conversation:
    """A new inbound message from ``sender``; returns its conversation as stored after routing."""
    msg: dict[str, Any] = {"id": pid, "from": sender, "text": "hello"}
    if name:
        msg["name"] = name
    body = webhook_body([msg])
    r = await client.post(t.webhook, content=body, headers=signed_headers(body))
    assert r.status_code == 200, r.text
    found = await Conversation.find_one(
        Conversation.account_id == t.account.id, Conversation.contact_key == f"phone:{sender}"
    )
    assert found is not None
    return found


async def reload(c: Conversation) -> Conversation:
    found = await Conversation.get(c.id)
    assert found is not None
    return found


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, within: float = 30.0
) -> T:
    """Poll ``probe`` until it returns something truthy; never asserts on time itself."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value:
            return value
        assert loop.time() < deadline, f"gave up waiting for {what}"
        await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1 in this event loop; yields its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the local server did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
