"""Fixtures of the assist tests: the local model-endpoint stand-in and an account using it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.assist import configure
from hub.models import Account
from hub.models.account import AssistPatch
from hub.pipeline.services import Hub
from tests.assist.standin import StandIn
from tests.fakes import TEST_API


def _outside(request: httpx.Request) -> bool:
    return request.url.host != "127.0.0.1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pytest-httpx stubs the test connector's provider only; the stand-in is real."""
    for item in items:
        if "tests/assist/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.httpx_mock(should_mock=_outside))


@pytest.fixture
async def assist_endpoint() -> AsyncIterator[StandIn]:
    """A real OpenAI-compatible server on 127.0.0.1 (the tests' settings allow it)."""
    async with StandIn.running() as stand_in:
        yield stand_in


async def use_assist(
    hub: Hub,
    account: Account,
    endpoint: StandIn,
    key: str | None = "sk-test-secret-123",
    **more: object,
) -> Account:
    """Point ``account`` at the stand-in (every feature on unless ``more`` says otherwise)."""
    patch = AssistPatch.model_validate(
        {"base_url": endpoint.base_url, "model": "stand-in-model", "api_key": key, **more}
    )
    return await configure(hub, account, patch)


@pytest.fixture
def provider(httpx_mock: Any) -> Any:
    """The test connector's provider API (https://provider.test), stubbed; what it was sent
    is in ``provider.get_requests()``."""
    counter = iter(range(1_000_000))

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"sid": f"SM{next(counter)}"})

    httpx_mock.add_callback(answer, url=f"{TEST_API}/send", is_reusable=True, is_optional=True)
    return httpx_mock
