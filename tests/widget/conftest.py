"""Fixtures for the web chat widget: the webchat connector installed, a chat channel, helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from hub.ops import embedded
from hub.pipeline.services import Hub
from tests.conftest import CONNECTORS, Tenant, make_tenant
from tests.email.conftest import receiver  # noqa: F401  (a real SMTP server, for transcripts)
from webchat_widget.connector import WebchatConnector

SHOP = "https://shop.example"
HUB_ORIGIN = {"Origin": "http://hub.test"}


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "webchat": WebchatConnector}


async def chat_tenant(hub: Hub, name: str = "Shop", **config: Any) -> Tenant:
    full = {"allowed_origins": [SHOP], "prechat_fields": [], **config}
    return await make_tenant(hub, name, channel_type="webchat", config=full)


@pytest.fixture
async def chat(hub: Hub) -> Tenant:
    return await chat_tenant(hub)


@dataclass
class VisitorClient:
    """A visitor's calls, as the widget's iframe makes them (hub origin, bearer token)."""

    client: httpx.AsyncClient
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {**HUB_ORIGIN, "Authorization": f"Bearer {self.token}"}

    async def say(self, text: str, key: str, **extra: Any) -> httpx.Response:
        return await self.client.post(
            "/widget/v1/messages", json={"key": key, "text": text, **extra}, headers=self.headers
        )

    async def ticket(self) -> str:
        r = await self.client.post("/widget/v1/ticket", headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()["ticket"]  # type: ignore[no-any-return]

    async def history(self) -> list[dict[str, Any]]:
        r = await self.client.get("/widget/v1/messages", headers=self.headers)
        assert r.status_code == 200, r.text
        return r.json()["data"]  # type: ignore[no-any-return]


async def open_session(
    client: httpx.AsyncClient, tenant: Tenant, origin: str = SHOP, **extra: Any
) -> httpx.Response:
    return await client.post(
        "/widget/v1/session",
        json={"channel": str(tenant.channel.id), "origin": origin, **extra},
        headers=HUB_ORIGIN,
    )


async def visitor(client: httpx.AsyncClient, tenant: Tenant, **extra: Any) -> VisitorClient:
    r = await open_session(client, tenant, **extra)
    assert r.status_code == 200, r.text
    return VisitorClient(client, r.json()["token"])


@contextlib.asynccontextmanager
async def serve(app: Starlette) -> AsyncIterator[str]:
    """Serve an already started app over real HTTP (for streams), in this event loop."""
    port = embedded.free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class SSEReader:
    """Reads server-sent events from a streamed httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.lines = response.aiter_lines()

    async def next(self, wait: float = 10.0) -> dict[str, Any]:
        event: dict[str, Any] = {}
        async with asyncio.timeout(wait):
            async for line in self.lines:
                if not line:
                    if "event" in event:
                        return event
                    event = {}
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                event[field] = json.loads(value) if field == "data" else value
        raise AssertionError("stream ended")

    async def until(self, kind: str, wait: float = 10.0) -> dict[str, Any]:
        while True:
            event = await self.next(wait)
            if event["event"] == kind:
                return event
