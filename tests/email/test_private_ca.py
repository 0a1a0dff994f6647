"""An email channel trusts a relay with a self-signed certificate through ``smtp_ca_file``."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts
from tests.conftest import make_tenant, start_app
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


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The operator allows CA files from one directory (``PARLEY_CA_DIR``)."""
    (tmp_path / "cas").mkdir()
    return dataclasses.replace(settings, ca_dir=tmp_path / "cas")


async def test_private_ca_is_trusted(hub: Hub, tls_relay: tuple[Receiver, Path]) -> None:
    relay, cert = tls_relay
    allowed = cert.parent / "cas" / "relay.pem"
    shutil.copy(cert, allowed)
    config = {**channel_config(relay), "smtp_security": "starttls", "smtp_ca_file": "relay.pem"}
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
    bad = tmp_path / "cas" / "nope.pem"
    bad.write_text("not a certificate")
    config = {**channel_config(Receiver(port=25)), "smtp_ca_file": "nope.pem"}
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(hub, account, "email", "Support", config)
    assert "smtp_ca_file" in refused.value.message


async def _refusal(hub: Hub, ca_file: str) -> str:
    account = await accounts.create_account("Acme", "HUB", 3, [])
    config = {**channel_config(Receiver(port=25)), "smtp_ca_file": ca_file}
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(hub, account, "email", "Support", config)
    return refused.value.message


async def test_ca_files_outside_the_allowed_directory_tell_nothing(
    hub: Hub, tls_relay: tuple[Receiver, Path]
) -> None:
    """No file-existence oracle: every refusal reads the same, whatever is on the server."""
    _, cert = tls_relay  # a real PEM file, outside the allowed directory
    (cert.parent / "cas" / "link.pem").symlink_to(cert)
    (cert.parent / "cas" / "empty.pem").write_text("")
    messages = {
        await _refusal(hub, path)
        for path in (
            str(cert),  # exists, a certificate, outside
            "/etc/passwd",  # exists, not a certificate
            "/no/such/file.pem",  # does not exist
            "../relay.pem",  # climbs out
            "link.pem",  # a link inside that leads outside
            "empty.pem",  # inside, no certificate
            "missing.pem",  # inside, does not exist
        )
    }
    assert len(messages) == 1, messages
    [message] = messages
    assert "smtp_ca_file" in message
    for leak in ("No such file", "no certificate", "Errno", "passwd", "PEM lib"):
        assert leak not in message


async def test_without_an_allowed_directory_no_ca_file_is_taken(
    settings: Settings, connectors: dict[str, Any], tls_relay: tuple[Receiver, Path]
) -> None:
    _, cert = tls_relay
    shutil.copy(cert, cert.parent / "cas" / "relay.pem")
    closed = dataclasses.replace(settings, ca_dir=None)
    async for running in start_app(closed, connectors):
        message = await _refusal(running.hub, "relay.pem")
        assert message == await _refusal(running.hub, str(cert))
        assert "PARLEY_CA_DIR" in message
