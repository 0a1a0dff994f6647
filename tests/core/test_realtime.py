"""Two app instances on one database behave as one hub: live updates cross processes.

Instance A is driven in-process; instance B runs under a real uvicorn server, so
its SSE endpoint streams over a real socket to a signed-in browser session.
"""

from __future__ import annotations

import asyncio
import json
from base64 import b64encode
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import itsdangerous
import uvicorn
from beanie import PydanticObjectId
from starlette.applications import Starlette

from hub.app import create_app
from hub.models import Message, User
from hub.ops import embedded
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts
from tests.conftest import CONNECTORS, Tenant
from tests.core.helpers import WAIT_LIMIT, post_webhook

SESSION_COOKIE = "parley_session"


@asynccontextmanager
async def served(app: Starlette) -> AsyncIterator[str]:
    """Run ``app`` (with its lifespan) under uvicorn on a free port; yields its base URL."""
    port = embedded.free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(WAIT_LIMIT):
            while not server.started:
                assert not task.done(), "uvicorn stopped before it started"
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def session_cookie(settings: Settings, user: User) -> str:
    """The cookie Starlette's SessionMiddleware would set for a signed-in ``user``."""
    session = {"uid": str(user.id), "aid": str(user.account_id), "csrf": "t"}
    signer = itsdangerous.TimestampSigner(settings.secret_key)
    return signer.sign(b64encode(json.dumps(session).encode())).decode()


async def sse_events(response: httpx.Response) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """(event name, data) of each server-sent event on an open stream."""
    name, data = "message", ""
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif not line and data:
            yield name, json.loads(data)
            name, data = "message", ""


async def next_message_event(events: AsyncIterator[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The next new-message signal (the inbox stream names the conversation, ``c-<id>``)."""
    async with asyncio.timeout(WAIT_LIMIT):
        async for name, data in events:
            if name.startswith("c-") and data.get("type") == "message.created":
                assert name == f"c-{data['conversation_id']}"
                return data
    raise AssertionError("the stream ended")


async def stored(data: dict[str, Any]) -> Message:
    """The message a signal names, read back from the database."""
    message = await Message.get(PydanticObjectId(data["message_id"]))
    assert message is not None
    return message


async def test_message_through_a_reaches_sse_of_b(
    settings: Settings,
    client: httpx.AsyncClient,
    hub: Hub,
    tenant: Tenant,
    other_tenant: Tenant,
) -> None:
    agent = await accounts.create_user(tenant.account, "ann@acme.test", "password1", "agent")
    rival = await accounts.create_user(
        other_tenant.account, "gil@globex.test", "password1", "agent"
    )
    app_b = create_app(settings, connectors=dict(CONNECTORS))
    async with served(app_b) as base, httpx.AsyncClient(base_url=base, timeout=30) as browser:
        hub_b: Hub = app_b.state.hub
        assert hub_b is not hub
        assert (await browser.get("/inbox/events")).status_code == 401
        forged = {"cookie": f"{SESSION_COOKIE}={session_cookie(settings, agent)}x"}
        assert (await browser.get("/inbox/events", headers=forged)).status_code == 401

        mine = {"cookie": f"{SESSION_COOKIE}={session_cookie(settings, agent)}"}
        theirs = {"cookie": f"{SESSION_COOKIE}={session_cookie(settings, rival)}"}
        async with (
            hub_b.realtime.subscription(tenant.account.id) as direct,
            browser.stream("GET", "/inbox/events", headers=mine) as stream,
            browser.stream("GET", "/inbox/events", headers=theirs) as rival_stream,
        ):
            assert stream.status_code == 200 and rival_stream.status_code == 200
            events, rival_events = sse_events(stream), sse_events(rival_stream)
            for pending in (events, rival_events):
                assert (await anext(pending))[0] == "ready"
            r = await post_webhook(client, tenant, [{"id": "x-1", "from": "+4550", "text": "hej"}])
            assert r.status_code == 200

            pushed = await stored(await next_message_event(events))
            assert pushed.text == "hej" and pushed.direction == "in"
            assert pushed.account_id == tenant.account.id

            async with asyncio.timeout(WAIT_LIMIT):
                while (event := await direct.get()).type != "message.created":
                    pass
            assert event.data["provider_message_id"] == "x-1"

            # The other account's stream saw none of it: its first message is its own.
            r = await post_webhook(
                client, other_tenant, [{"id": "y-1", "from": "+4551", "text": "hallo"}]
            )
            assert r.status_code == 200
            theirs_first = await stored(await next_message_event(rival_events))
            assert theirs_first.text == "hallo"
            assert theirs_first.account_id == other_tenant.account.id
