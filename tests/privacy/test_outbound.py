"""The outbound guard: account-supplied URLs cannot reach inside, at save time nor at connect time."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.models import WebhookDelivery
from hub.pipeline import outbound
from hub.settings import Settings
from hub.tenants import accounts
from tests.api.conftest import eventually, inbound
from tests.conftest import Running, Tenant, make_tenant, start_app

INSIDE = "127.0.0.2"  # loopback, but outside the tests' allowed 127.0.0.1/32


class Receiver:
    """A bare HTTP/1.1 receiver that counts every TCP connection made to it and keeps bodies."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            self.requests.append(await reader.readexactly(length))
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def listening(host: str) -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, host, 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield receiver, f"http://{host}:{port}"
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def bot_tenant(running: Running) -> Tenant:
    return await make_tenant(running.hub, "Botco", addons=["generic_api", "chatbot_api"])


async def test_webhook_bot_and_base_urls_inside_are_refused_and_nothing_reaches_them(
    running: Running, bot_tenant: Tenant
) -> None:
    client, tenant = running.client, bot_tenant
    async with listening(INSIDE) as (receiver, base):
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/hook", "events": ["message.created"]},
            headers=tenant.auth,
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "outbound_refused"
        assert INSIDE in r.json()["error"]["message"]
        r = await client.post(
            "/api/v1/bots",
            json={
                "name": "b",
                "webhook_url": f"{base}/hook",
                "channel_ids": [str(tenant.channel.id)],
            },
            headers=tenant.auth,
        )
        assert r.status_code == 400 and r.json()["error"]["code"] == "outbound_refused"
        with pytest.raises(accounts.AdminError) as refused:
            await accounts.create_channel(
                running.hub, tenant.account, "test", "inside", {"api_base_url": base}
            )
        assert refused.value.code == "outbound_refused"
        assert "api_base_url" in refused.value.message
        await inbound(client, tenant.webhook, "m1", "+4512", "hello")
        await asyncio.sleep(0.2)
        assert receiver.requests == [] and receiver.connections == 0


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.2]/hook",
        "http://[fd00:ec2::254]/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0:80/",
    ],
)
async def test_inside_addresses_are_refused_with_a_reason(
    client: httpx.AsyncClient, tenant: Tenant, url: str
) -> None:
    r = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["message.created"]}, headers=tenant.auth
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "outbound_refused"


async def test_the_same_url_is_accepted_and_delivered_when_its_range_is_allowed(
    settings: Settings, connectors: dict[str, Any]
) -> None:
    opened = dataclasses.replace(settings, outbound_allow=("127.0.0.0/8",))
    async with outbound.guarded_client() as http:
        async for running in start_app(opened, connectors, http):
            tenant = await make_tenant(running.hub, "Open")
            async with listening(INSIDE) as (receiver, base):
                r = await running.client.post(
                    "/api/v1/webhooks",
                    json={"url": f"{base}/hook", "events": ["message.created"]},
                    headers=tenant.auth,
                )
                assert r.status_code == 201, r.text
                await inbound(running.client, tenant.webhook, "m1", "+4512", "hello")
                await eventually(lambda: _requests(receiver), "the delivery at 127.0.0.2")


async def _requests(receiver: Receiver) -> list[bytes]:
    return receiver.requests


async def test_a_name_that_resolves_inside_later_is_refused_at_connect_time(
    running: Running, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: public when saved, inside when called; the connection is refused."""
    answers = {"rebind.test": ["93.184.216.34"]}
    real = outbound._resolve
    monkeypatch.setattr(
        outbound, "_resolve", lambda host, port: answers.get(host) or real(host, port)
    )
    async with listening(INSIDE) as (receiver, base):
        port = base.rsplit(":", 1)[1]
        r = await running.client.post(
            "/api/v1/webhooks",
            json={"url": f"http://rebind.test:{port}/hook", "events": ["message.created"]},
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        answers["rebind.test"] = [INSIDE]
        await inbound(running.client, tenant.webhook, "m1", "+4512", "hello")

        async def failed_attempt() -> WebhookDelivery | None:
            found = await WebhookDelivery.find_one(WebhookDelivery.account_id == tenant.account.id)
            return found if found and found.log else None

        delivery = await eventually(failed_attempt, "a refused delivery attempt")
        assert delivery.status != "delivered"
        error = delivery.log[0].error or ""
        assert "outbound_refused" in error and INSIDE in error
        assert receiver.requests == [] and receiver.connections == 0


def test_policy_reads_hosts_and_ranges() -> None:
    rules = outbound.Policy.parse(["10.0.0.0/8", "hooks.internal", " ", "::1"])
    assert rules.refusal("10.9.9.9") is None
    assert rules.refusal("::1") is None
    assert rules.refusal("192.168.1.1") is not None
    assert rules.refusal("8.8.8.8") is None
    assert rules.host_allowed("Hooks.Internal.")
    outbound.check_url("http://hooks.internal/x", rules)
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("file:///etc/passwd", rules)
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url("http://127.0.0.1/", outbound.Policy())
