"""Inbound SMTP: STARTTLS with a certificate from the environment, and a per-client connection limit."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import ssl
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.email import EmailConnector
from hub.models import Message
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import CONNECTORS, make_tenant
from tests.email.conftest import SUPPORT, Receiver, channel_config, eventually, payload
from tests.email.conftest import receiver as receiver  # the customer's mail server fixture


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "email": EmailConnector}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    cert, key = _self_signed(tmp_path)
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
