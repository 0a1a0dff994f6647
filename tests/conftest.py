"""Shared fixtures: one real SecantusDB server per test session, a fresh database per test."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from hub.app import create_app
from hub.models import Account, Channel
from hub.ops import embedded
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts
from tests.fakes import EchoConnector

SHUTDOWN_LIMIT = 60
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SecantusDB daemon for the whole test session (or PARLEY_TEST_MONGODB_URI)."""
    given = os.environ.get("PARLEY_TEST_MONGODB_URI")
    if given:
        yield given
        return
    port = embedded.free_port()
    exe = Path(sys.executable).with_name("secantusd-py")
    cmd = [str(exe) if exe.exists() else shutil.which("secantusd-py") or "secantusd-py"]
    data = tmp_path_factory.mktemp("secantus")
    log = open(data / "log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [
            *cmd,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data / "db"),
            "--sync-on-commit",
            "--log-level",
            "WARNING",
        ],
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 30
    while not embedded._port_open(port):
        assert process.poll() is None, (data / "log").read_text()
        assert time.monotonic() < deadline, "secantusd-py did not start"
        time.sleep(0.05)
    # The options the hub uses for its embedded server (no retryable-write records).
    yield f"mongodb://127.0.0.1:{port}/?{embedded.OPTIONS}"
    process.terminate()
    process.wait(timeout=20)
    log.close()


@pytest.fixture
def settings(mongodb_uri: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        mongodb_uri=mongodb_uri,
        database=f"t_{uuid.uuid4().hex[:12]}",
        public_url="http://hub.test",
        secret_key="test-secret-key",
        outbox_base_backoff=0.05,
        outbox_lease_seconds=30,
        smtp_port=embedded.free_port(),
        # Tests' receivers listen on 127.0.0.1; the guard refuses every other inside address.
        outbound_allow=("127.0.0.1/32",),
    )


CONNECTORS: dict[str, Any] = {"test": EchoConnector}


@pytest.fixture
def connectors() -> dict[str, Any]:
    """The connector set of the test app; add real ones with ``registry.discover()``."""
    return dict(CONNECTORS)


class Running:
    """An app whose lifespan runs, with a client that speaks to it in-process."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    @property
    def hub(self) -> Hub:
        return self.app.state.hub  # type: ignore[no-any-return]


async def start_app(
    settings: Settings, connectors: dict[str, Any], http: httpx.AsyncClient | None = None
) -> AsyncIterator[Running]:
    app = create_app(settings, connectors=connectors, http=http)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield Running(app, client)
    finally:
        await _shut_down(lifespan)


async def _shut_down(lifespan: Any) -> None:
    """Leave the app's lifespan; if that hangs, show every task's stack and fail."""
    try:
        async with asyncio.timeout(SHUTDOWN_LIMIT):
            await lifespan.__aexit__(None, None, None)
    except TimeoutError:
        for task in asyncio.all_tasks():
            task.print_stack(file=sys.stderr)
        raise AssertionError(f"the app did not shut down within {SHUTDOWN_LIMIT} s") from None


@pytest.fixture
async def running(settings: Settings, connectors: dict[str, Any]) -> AsyncIterator[Running]:
    async with outbound.guarded_client() as http:
        async for r in start_app(settings, connectors, http):
            yield r


@pytest.fixture
async def app(running: Running) -> Starlette:
    return running.app


@pytest.fixture
async def client(running: Running) -> httpx.AsyncClient:
    return running.client


@pytest.fixture
async def hub(running: Running) -> Hub:
    return running.hub


@dataclasses.dataclass
class Tenant:
    account: Account
    channel: Channel
    key: str
    channel_extra: dict[str, Any]

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    @property
    def webhook(self) -> str:
        return f"/webhooks/{self.channel.type}/{self.channel.id}"


async def make_tenant(
    hub: Hub,
    name: str = "Acme",
    addons: list[str] | None = None,
    plan: str = "HUB",
    channel_type: str = "test",
    config: dict[str, Any] | None = None,
) -> Tenant:
    account = await accounts.create_account(
        name, plan, 3, ["generic_api"] if addons is None else addons
    )
    channel, extra = await accounts.create_channel(
        hub, account, channel_type, f"{name} line", config or {}
    )
    _, key = await accounts.create_key(account)
    return Tenant(account, channel, key, extra)


@pytest.fixture
async def tenant(hub: Hub) -> Tenant:
    return await make_tenant(hub)


@pytest.fixture
async def other_tenant(hub: Hub) -> Tenant:
    return await make_tenant(hub, "Globex")


class Clock:
    """The hub's clock under a test's control: ``set`` a time, ``advance`` it; it never moves by itself."""

    def __init__(self, start: dt.datetime) -> None:
        self.at = start

    def __call__(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        self.at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze the hub's clock (``hub.contract.now``) for one test; restored afterwards."""
    from hub import contract

    controlled = Clock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))  # a Monday, 09:00 UTC
    contract.set_clock(controlled)
    try:
        yield controlled
    finally:
        contract.set_clock(None)
