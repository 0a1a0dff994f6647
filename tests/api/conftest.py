"""Helpers of the API tests: quick retry settings, real local receivers, a stubbed provider."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
import uvicorn

from hub.contract import Capabilities
from hub.settings import Settings
from tests.fakes import TEST_API, EchoConnector, signed_headers, webhook_body

T = TypeVar("T")


class WindowConnector(EchoConnector):
    """The test connector with a 24-hour reply window and templates, as on WhatsApp."""

    type: ClassVar[str] = "test_window"
    aliases: ClassVar[tuple[str, ...]] = ()
    capabilities = Capabilities(templates=True, reply_window=dt.timedelta(hours=24))


def _outside(request: httpx.Request) -> bool:
    return request.url.host != "127.0.0.1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-httpx stubs providers only; the receivers and bots on 127.0.0.1 are real."""
    for item in items:
        if "tests/api/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.httpx_mock(should_mock=_outside))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Quick webhook retries and few bot attempts, so the fallbacks show within a test."""
    return dataclasses.replace(
        settings, webhook_base_backoff=0.05, bot_max_attempts=2, bot_answer_timeout_seconds=60
    )


@pytest.fixture
def connectors(connectors: dict[str, Any]) -> dict[str, Any]:
    """The test connector, and a variant with a WhatsApp-like reply window and templates."""
    return {**connectors, "test_window": WindowConnector}


@pytest.fixture
def provider(httpx_mock: Any) -> Any:
    """The test connector's provider API, stubbed; our own 127.0.0.1 servers stay real."""
    counter = iter(range(1_000_000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sid": f"SM{next(counter)}"})

    httpx_mock.add_callback(answer, url=f"{TEST_API}/send", is_reusable=True, is_optional=True)
    return httpx_mock


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
        assert not task.done(), "the receiver did not start"
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def inbound(
    client: httpx.AsyncClient, webhook: str, msg_id: str, sender: str, text: str, **extra: Any
) -> None:
    """A signed inbound message through the test connector's webhook."""
    body = webhook_body([{"id": msg_id, "from": sender, "text": text, **extra}])
    r = await client.post(webhook, content=body, headers=signed_headers(body))
    assert r.status_code == 200, r.text


async def eventually(
    probe: Callable[[], Awaitable[T | None]], what: str, within: float = 20.0
) -> T:
    """Poll ``probe`` until it returns something truthy (workers run in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        value = await probe()
        if value:
            return value
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
