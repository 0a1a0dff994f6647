"""Database round trips per request: one inbound SMS, one API list page, one inbox page.

pymongo's command monitoring counts the commands each request sends. Only the request's
own commands count: the app runs without its workers, commands are counted only in the
request's task and the tasks it starts (the group-commit flusher of ingest), never in
the app's background tasks (``hub.background``: look-ups after a webhook was answered),
and never change-stream traffic (the ``aggregate`` that opens a watch and the
``getMore``/``killCursors`` on its cursor). Each request runs twice; the second (warm)
one is counted, so caches filled by the first do not make the count depend on order.
(The inbound SMS's first message is held to a figure of its own too: it opens the
conversation, the costlier path through ingest.)

The test prints the counts per command name and holds each request's total at or below
its baseline. A refactor may lower a baseline; it must never raise one.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import functools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient, monitoring

from hub import db
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import Running, Tenant, make_tenant, start_app
from tests.connectors.conformance import installed_connectors
from tests.connectors.kit_twilio import TwilioKit
from tests.fakes import signed_headers, webhook_body
from tests.inbox.conftest import add_user, session_client

# Measured on main (commit ce046be), before the store refactor:
# inbound SMS, second message of a conversation: find 2, findAndModify 1, insert 1
# inbound SMS, first message (opens the conversation, cold channel cache): find 10,
#   findAndModify 2, insert 2, update 2
# API list page (3 conversations), second request: find 10, findAndModify 1; 9 since the
#   process keeps live API keys (hub.tenants.auth.KeyCache): find 8, findAndModify 1
# inbox page (3 conversations), second request: find 13
# conversation page (one of those, one message), second request: find 19, measured on main
#   (d6ece9d) before the assist views
# inbound SMS, second message, since issue 27's fourth round: find 1 (the conversation,
#   read once for the survey-answer test and the guarded touch), update 1, insert 1
BASELINE_INBOUND_SMS = 3
BASELINE_INBOUND_SMS_OPENING = 16
BASELINE_API_LIST_PAGE = 9
BASELINE_INBOX_PAGE = 13
BASELINE_CONVERSATION_PAGE = 19

_counting: contextvars.ContextVar[bool] = contextvars.ContextVar("counting", default=False)


class Commands(monitoring.CommandListener):
    """Counts the commands sent while ``counting`` is set in the sending task's context."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.hub: Hub | None = None
        self._streams: set[int] = set()  # cursor ids of change streams
        self._opening: set[int] = set()  # request ids of aggregates that open a watch

    def _background(self) -> bool:
        task = asyncio.current_task()
        hub = self.hub
        return hub is not None and task is not None and task in hub.background._tasks

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        command = event.command
        name = event.command_name
        if name == "aggregate" and any("$changeStream" in s for s in command.get("pipeline", [])):
            self._opening.add(event.request_id)
            return
        if name == "getMore" and command.get("getMore") in self._streams:
            return
        if name == "killCursors" and set(command.get("cursors", [])) & self._streams:
            return
        if _counting.get() and not self._background():
            self.counts[name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.request_id in self._opening:
            self._opening.discard(event.request_id)
            cursor = event.reply.get("cursor", {}).get("id")
            if cursor:
                self._streams.add(cursor)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._opening.discard(event.request_id)

    def reset(self) -> None:
        self.counts.clear()

    def total(self) -> int:
        return sum(self.counts.values())


@pytest.fixture
def commands(monkeypatch: pytest.MonkeyPatch) -> Iterator[Commands]:
    """Every client the app opens in this test reports its commands to one listener."""
    listener = Commands()
    monkeypatch.setattr(
        db, "AsyncMongoClient", functools.partial(AsyncMongoClient, event_listeners=[listener])
    )
    yield listener


@pytest.fixture
async def quiet(
    settings: Settings, commands: Commands, connectors: dict[str, Any]
) -> AsyncIterator[Running]:
    """The app without its workers (dispatcher, tickers, connector listeners)."""
    async with outbound.guarded_client() as http:
        async for r in start_app(
            dataclasses.replace(settings, run_workers=False), connectors, http
        ):
            commands.hub = r.hub
            yield r


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


async def counted(commands: Commands, hub: Hub, request: Any) -> httpx.Response:
    """Run ``request()`` with counting on; wait for the work it started, then stop counting."""
    commands.reset()
    token = _counting.set(True)
    try:
        response: httpx.Response = await request()
    finally:
        _counting.reset(token)
    await hub.background.idle()
    return response


def report(what: str, commands: Commands, baseline: int) -> None:
    per_name = ", ".join(f"{name} {n}" for name, n in sorted(commands.counts.items()))
    print(f"\n{what}: {commands.total()} commands ({per_name}); baseline {baseline}")


async def test_inbound_sms_round_trips(quiet: Running, commands: Commands) -> None:
    hub, client = quiet.hub, quiet.client
    kit = TwilioKit("twilio_sms", "", "twilio/inbound_sms.json", None)  # type: ignore[arg-type]
    line = await make_tenant(hub, channel_type="twilio_sms", config=kit.config())
    url = hub.channel_info(line.channel).webhook_url

    async def inbound(provider_id: str) -> httpx.Response:
        signed = kit.inbound(url, line.channel.config, provider_id, "+4520123456", "hello")
        return await client.post(line.webhook, content=signed.body, headers=signed.headers)

    r = await counted(commands, hub, functools.partial(inbound, "SM" + "1" * 32))
    assert r.status_code == 200, r.text
    report("inbound SMS opening a conversation", commands, BASELINE_INBOUND_SMS_OPENING)
    assert commands.total() <= BASELINE_INBOUND_SMS_OPENING, commands.counts
    r = await counted(commands, hub, functools.partial(inbound, "SM" + "2" * 32))
    assert r.status_code == 200, r.text
    report("inbound SMS", commands, BASELINE_INBOUND_SMS)
    assert commands.total() <= BASELINE_INBOUND_SMS, commands.counts


async def _with_conversations(hub: Hub, client: httpx.AsyncClient) -> Tenant:
    tenant = await make_tenant(hub)
    for i in range(3):
        body = webhook_body([{"id": f"in-{i}", "from": f"+452012345{i}", "text": "hi"}])
        r = await client.post(tenant.webhook, content=body, headers=signed_headers(body))
        assert r.status_code == 200, r.text
    await hub.background.idle()
    return tenant


async def test_api_list_page_round_trips(quiet: Running, commands: Commands) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await _with_conversations(hub, client)
    for _ in range(2):
        r = await counted(
            commands,
            hub,
            functools.partial(client.get, "/api/v1/conversations", headers=tenant.auth),
        )
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) == 3
    report("API list page", commands, BASELINE_API_LIST_PAGE)
    assert commands.total() <= BASELINE_API_LIST_PAGE, commands.counts


async def test_inbox_page_round_trips(quiet: Running, commands: Commands) -> None:
    hub, client = quiet.hub, quiet.client
    tenant = await _with_conversations(hub, client)
    agent = await add_user(tenant, "agent@acme.test", "agent", "Agnes Agent")
    async with session_client(quiet, agent) as inbox:
        for _ in range(2):
            r = await counted(commands, hub, functools.partial(inbox.get, "/inbox"))
            assert r.status_code == 200, r.text
    report("inbox page", commands, BASELINE_INBOX_PAGE)
    assert commands.total() <= BASELINE_INBOX_PAGE, commands.counts


async def test_conversation_page_round_trips(quiet: Running, commands: Commands) -> None:
    """The conversation page: assist's buttons and translations add no command."""
    hub, client = quiet.hub, quiet.client
    tenant = await _with_conversations(hub, client)
    agent = await add_user(tenant, "agent@acme.test", "agent", "Agnes Agent")
    found = await client.get("/api/v1/conversations", headers=tenant.auth)
    conversation_id = found.json()["data"][0]["id"]
    async with session_client(quiet, agent) as inbox:
        for _ in range(2):
            get = functools.partial(inbox.get, f"/inbox/c/{conversation_id}")
            r = await counted(commands, hub, get)
            assert r.status_code == 200, r.text
    report("conversation page", commands, BASELINE_CONVERSATION_PAGE)
    assert commands.total() <= BASELINE_CONVERSATION_PAGE, commands.counts
