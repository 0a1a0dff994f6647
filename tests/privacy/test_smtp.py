"""Inbound SMTP: STARTTLS with a certificate from the environment, and a per-client connection limit."""

from __future__ import annotations

import dataclasses
import ssl
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest

from connectors.email import EmailConnector
from hub.models import Message
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import CONNECTORS, make_tenant
from tests.email.conftest import (
    SUPPORT,
    Receiver,
    channel_config,
    eventually,
    payload,
    self_signed,
)
from tests.email.conftest import receiver as receiver  # the customer's mail server fixture


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "email": EmailConnector}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    cert, key = self_signed(tmp_path, "smtp")
    return dataclasses.replace(
        settings,
        smtp_tls_cert=str(cert),
        smtp_tls_key=str(key),
        smtp_max_connections_per_client=2,
    )


async def test_mail_arrives_over_starttls_verified_against_the_certificate(
    hub: Hub, receiver: Receiver, settings: Settings
) -> None:
    tenant = await make_tenant(hub, "Acme", channel_type="email", config=channel_config(receiver))
    trust = ssl.create_default_context(cafile=settings.smtp_tls_cert)
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=hub.smtp_port, start_tls=False)
    await smtp.connect()
    try:
        await smtp.ehlo()
        assert smtp.supports_extension("starttls")
        await smtp.starttls(tls_context=trust)
        assert smtp.get_transport_info("sslcontext") is not None
        await smtp.sendmail("jane@customer.example", [SUPPORT], payload("gmail_new_attachment.eml"))
    finally:
        await smtp.quit()

    async def stored() -> Message | None:
        return await Message.find_one(Message.channel_id == tenant.channel.id)

    assert await eventually(stored)


async def test_a_client_past_its_connection_limit_gets_421(hub: Hub) -> None:
    first = aiosmtplib.SMTP(hostname="127.0.0.1", port=hub.smtp_port, start_tls=False)
    second = aiosmtplib.SMTP(hostname="127.0.0.1", port=hub.smtp_port, start_tls=False)
    await first.connect()
    await second.connect()
    try:
        third = aiosmtplib.SMTP(hostname="127.0.0.1", port=hub.smtp_port, start_tls=False)
        with pytest.raises(aiosmtplib.SMTPConnectResponseError) as refused:
            await third.connect()
        assert refused.value.code == 421
        await first.quit()
        again = aiosmtplib.SMTP(hostname="127.0.0.1", port=hub.smtp_port, start_tls=False)
        await again.connect()  # a freed place is taken again
        assert (await again.noop()).code == 250
        await again.quit()
    finally:
        await second.quit()
