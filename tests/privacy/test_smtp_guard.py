"""Every account-supplied host is guarded: an email channel's SMTP relay, and every IPv6 spelling
of an inside address (IPv4-mapped, IPv4-compatible, SIIT, NAT64, 6to4), at save and at connect."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from connectors.email import EmailConnector
from hub.models import Conversation, Message, Sender
from hub.pipeline import outbound, outbox
from hub.settings import Settings
from hub.tenants import accounts
from tests.conftest import CONNECTORS, Running, Tenant, make_tenant, start_app
from tests.email.conftest import Receiver, channel_config, eventually, smtp_send
from tests.email.conftest import receiver as receiver  # a real SMTP server on 127.0.0.1

SPELLINGS = [
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254 (metadata)
    "::ffff:169.254.169.254",
]


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "email": EmailConnector}


@pytest.mark.parametrize("address", SPELLINGS)
def test_every_ipv6_spelling_of_an_inside_address_is_refused(address: str) -> None:
    rules = outbound.Policy()
    assert rules.refusal(address) is not None, address
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_url(f"http://[{address}]/hook", rules)
    with pytest.raises(outbound.OutboundRefused):
        outbound.check_host(address, 25, rules)


def test_public_addresses_in_the_same_spellings_pass() -> None:
    rules = outbound.Policy()
    for address in ("64:ff9b::808:808", "2002:808:808::1", "8.8.8.8", "2606:4700:4700::1111"):
        assert rules.refusal(address) is None, address
    # An allowed range covers the embedded IPv4 address too.
    opened = outbound.Policy.parse(["127.0.0.0/8"])
    assert opened.refusal("::ffff:127.0.0.1") is None
    assert opened.refusal("64:ff9b::7f00:1") is None


@pytest.mark.parametrize("address", SPELLINGS)
async def test_the_connect_time_check_refuses_every_spelling(address: str) -> None:
    backend = outbound.GuardedBackend(outbound.Policy())
    with pytest.raises(Exception, match="outbound_refused"):
        await backend._pick(f"[{address}]", 80)
    with pytest.raises(outbound.OutboundRefused):
        await outbound.connect_address(address, 25, outbound.Policy())


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "169.254.169.254", "[::ffff:127.0.0.2]", "64:ff9b::7f00:2"]
)
async def test_an_inside_smtp_host_is_refused_at_save(
    running: Running, receiver: Receiver, host: str
) -> None:
    tenant = await make_tenant(
        running.hub, "Acme", channel_type="email", config=channel_config(receiver)
    )
    channel = str(tenant.channel.id)
    r = await running.client.patch(
        f"/api/v1/channels/{channel}",
        json={"config": {"smtp_host": host, "smtp_port": 22}},
        headers=tenant.auth,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "outbound_refused"
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(
            running.hub,
            tenant.account,
            "email",
            "inside",
            {**channel_config(receiver), "smtp_host": host},
        )
    assert refused.value.code == "outbound_refused"
    assert "smtp_host" in refused.value.message


async def test_a_hub_without_an_allowance_does_not_mail_a_loopback_relay(
    settings: Settings,
    connectors: dict[str, Any],
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saved while the relay's name resolved outside; at connect time it resolves to 127.0.0.1."""
    answers = {"relay.test": ["93.184.216.34"]}
    real = outbound._resolve
    monkeypatch.setattr(
        outbound, "_resolve", lambda host, port: answers.get(host) or real(host, port)
    )
    closed = dataclasses.replace(settings, outbound_allow=())
    async with outbound.guarded_client() as http:
        async for running in start_app(closed, connectors, http):
            hub = running.hub
            with pytest.raises(accounts.AdminError):  # 127.0.0.1 itself is refused at save
                await make_tenant(
                    hub, "Acme", channel_type="email", config=channel_config(receiver)
                )
            config = {**channel_config(receiver), "smtp_host": "relay.test"}
            tenant: Tenant = await make_tenant(hub, "Acme", channel_type="email", config=config)
            answers["relay.test"] = ["127.0.0.1"]
            failed = await _reply_failure(running, tenant)
            assert failed.error is not None and failed.error.code == "outbound_refused"
            assert failed.delivery == "failed"
            await asyncio.sleep(0.1)
            assert receiver.received == []


async def test_a_loopback_relay_is_reached_when_allowed(
    running: Running, receiver: Receiver
) -> None:
    """The tests' hub allows 127.0.0.1/32: the same relay works, so the refusal above is the guard."""
    hub = running.hub
    tenant = await make_tenant(hub, "Acme", channel_type="email", config=channel_config(receiver))
    await smtp_send(
        hub,
        b"From: ann@customer.example\r\nTo: support@acme.example\r\nSubject: Hi\r\n"
        b"Message-ID: <g-2@customer.example>\r\n\r\nhello\r\n",
        sender="ann@customer.example",
    )
    conversation = await eventually(
        lambda: Conversation.find_one(Conversation.account_id == tenant.account.id)
    )
    reply = await outbox.enqueue(hub, conversation, text="Hello", sender=Sender(type="agent"))

    async def sent() -> Message | None:
        found = await Message.get(reply.id)
        return found if found is not None and found.delivery == "sent" else None

    await eventually(sent)
    assert len(receiver.received) == 1


async def _reply_failure(running: Running, tenant: Tenant) -> Message:
    hub = running.hub
    await smtp_send(
        hub,
        b"From: ann@customer.example\r\nTo: support@acme.example\r\nSubject: Hi\r\n"
        b"Message-ID: <g-1@customer.example>\r\n\r\nhello\r\n",
        sender="ann@customer.example",
    )
    conversation = await eventually(
        lambda: Conversation.find_one(Conversation.account_id == tenant.account.id)
    )
    reply = await outbox.enqueue(
        hub, conversation, text="Secret plans", sender=Sender(type="agent")
    )

    async def settled() -> Message | None:
        found = await Message.get(reply.id)
        return found if found is not None and found.error is not None else None

    return await eventually(settled)
