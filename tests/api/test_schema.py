"""schemathesis against the served OpenAPI document: no 5xx, no answer that contradicts it.

The hub runs under uvicorn in a thread (its own event loop, as in production); the
data a caller needs (an account with both add-ons, a key, a channel) is made first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from hub import db
from hub.app import create_app
from hub.integrations import bots
from hub.models import Channel
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import Cipher
from hub.settings import Settings
from hub.tenants import accounts
from tests.api.conftest import _free_port

EXAMPLES = 8
#: Not checked: "schema-valid data is accepted". Cursors, ids and keys are opaque tokens
#: the API gave out; a random one is refused (400/404) by design. Every other check runs.


async def _tenant(settings: Settings) -> tuple[str, str]:
    """An account with both add-ons, a channel with a bot, and an API key: (key, bot token)."""
    client = db.connect(settings.mongodb_uri or "")
    outbound.configure(settings.outbound_allow)  # the bot's 127.0.0.1 URL is allowed
    try:
        await db.init(client, settings.database)
        account = await accounts.create_account("Fuzz", "HUB", 3, ["generic_api", "chatbot_api"])
        assert account.id is not None
        channel = Channel(account_id=account.id, type="test", name="fuzz", config={"secret": "s"})
        await channel.insert()
        _, key = await accounts.create_key(account)
        cipher = Cipher(settings.secret_key)
        _, token = await bots.register(
            account.id, "fuzz", "http://127.0.0.1:9/", [str(channel.id)], cipher
        )
        return key, token
    finally:
        await db.release(client)


@pytest.fixture
def served(settings: Settings, connectors: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = dataclasses.replace(
        settings, public_url=base, run_workers=False, api_rate_limit=1_000_000
    )
    key, token = asyncio.run(_tenant(settings))
    app = create_app(settings, connectors=connectors)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
        time.sleep(0.02)
    yield base, key, token
    server.should_exit = True
    thread.join(timeout=30)


def _fuzz(operation: Any, auth: dict[str, str]) -> None:
    """Generate requests for one operation and check every answer against the document."""

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])

    check()


def test_openapi_conformance(served: tuple[str, str, str]) -> None:
    base, key, token = served
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        secret = token if operation.path.startswith("/bot/") else key
        _fuzz(operation, {"Authorization": f"Bearer {secret}"})


def _fuzz_invalid(operation: Any, auth: dict[str, str]) -> None:
    """Requests the document says are wrong (wrong types, missing fields): refused, never 5xx."""

    @hypothesis.given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        response = case.call(headers=auth)
        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"

    check()


def test_openapi_invalid_data_gets_no_5xx(served: tuple[str, str, str]) -> None:
    base, key, token = served
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()
        secret = token if operation.path.startswith("/bot/") else key
        _fuzz_invalid(operation, {"Authorization": f"Bearer {secret}"})
