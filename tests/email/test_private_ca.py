"""An email channel trusts a relay with a self-signed certificate through ``smtp_ca_file``."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.conftest import make_tenant
from tests.email.conftest import Receiver, channel_config, eventually, self_signed, smtp_send


@pytest.fixture
async def tls_relay(tmp_path: Path) -> AsyncIterator[tuple[Receiver, Path]]:
    cert, key = self_signed(tmp_path, "relay")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    relay = Receiver()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(relay, decode_data=False, tls_context=context, require_starttls=True),
        host="127.0.0.1",
        port=0,
    )
    relay.port = server.sockets[0].getsockname()[1]
    yield relay, cert
    server.close()
    await server.wait_closed()


async def _reply_through(hub: Hub, config: dict[str, object]) -> Message:
    tenant = await make_tenant(hub, "Acme", channel_type="email", config=config)
    await smtp_send(
        hub,
        b"From: ann@customer.example\r\nTo: support@acme.example\r\nSubject: Hi\r\n"
        b"Message-ID: <ca-1@customer.example>\r\n\r\nhello\r\n",
        sender="ann@customer.example",
    )
    conversation = await eventually(
        lambda: Conversation.find_one(Conversation.account_id == tenant.account.id)
    )
    reply = await outbox.enqueue(hub, conversation, text="Hello Ann", sender=Sender(type="agent"))

    async def settled() -> Message | None:
        found = await Message.get(reply.id)
        return (
            found
            if (found and found.delivery in ("sent", "failed")) or (found and found.error)
            else None
        )

    return await eventually(settled)


async def test_private_ca_is_trusted(hub: Hub, tls_relay: tuple[Receiver, Path]) -> None:
    relay, cert = tls_relay
    config = {**channel_config(relay), "smtp_security": "starttls", "smtp_ca_file": str(cert)}
    sent = await _reply_through(hub, config)
    assert sent.delivery == "sent", sent.error
    assert relay.received and relay.received[0].message["Subject"] == "Re: Hi"


async def test_unknown_certificate_is_refused_without_the_ca(
    hub: Hub, tls_relay: tuple[Receiver, Path]
) -> None:
    relay, _ = tls_relay
    config = {**channel_config(relay), "smtp_security": "starttls"}
    sent = await _reply_through(hub, config)
    assert sent.error is not None and not relay.received


async def test_unreadable_ca_file_names_the_field(hub: Hub, tmp_path: Path) -> None:
    account = await accounts.create_account("Acme", "HUB", 3, [])
    bad = tmp_path / "nope.pem"
    bad.write_text("not a certificate")
    config = {**channel_config(Receiver(port=25)), "smtp_ca_file": str(bad)}
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(hub, account, "email", "Support", config)
    assert "smtp_ca_file" in refused.value.message
