"""Email fixtures: the hub with the email connector, and a real SMTP server that receives our replies."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypeVar

import aiosmtplib
import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from connectors.email import EmailConnector
from hub.pipeline.services import Hub
from tests.conftest import CONNECTORS, Tenant, make_tenant

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads" / "email"
SUPPORT = "support@acme.example"
T = TypeVar("T")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.data)  # type: ignore[return-value]


@dataclass
class Receiver:
    """A customer's mail server: stores what arrives; ``answers`` scripts refusals."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    #: SMTP answers for the next DATA commands, e.g. "451 4.7.1 Try later"; empty: 250.
    answers: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answers:
            return self.answers.pop(0)
        self.received.append(
            Received(
                str(envelope.mail_from), list(envelope.rcpt_tos), bytes(envelope.content or b"")
            )
        )
        return "250 2.0.0 Accepted"


@pytest.fixture
def connectors() -> dict[str, Any]:
    return {**CONNECTORS, "email": EmailConnector}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(rec, decode_data=False, enable_SMTPUTF8=True), host="127.0.0.1", port=0
    )
    rec.port = server.sockets[0].getsockname()[1]
    yield rec
    server.close()
    await server.wait_closed()


def channel_config(receiver: Receiver, address: str = SUPPORT) -> dict[str, Any]:
    return {
        "address": address,
        "smtp_host": "127.0.0.1",
        "smtp_port": receiver.port,
        "smtp_security": "none",
        "from_name": "Acme Support",
    }


@pytest.fixture
async def mail_tenant(hub: Hub, receiver: Receiver) -> Tenant:
    return await make_tenant(hub, "Acme", channel_type="email", config=channel_config(receiver))


async def smtp_send(
    hub: Hub, raw: bytes, *, sender: str = "jane@customer.example", to: str = SUPPORT
) -> tuple[int, str]:
    """Send raw mail to the hub's SMTP listener; returns the final SMTP answer."""
    async with aiosmtplib.SMTP(
        hostname=hub.listen_host, port=hub.smtp_port, start_tls=False
    ) as smtp:
        _errors, message = await smtp.sendmail(sender, [to], raw)
        return 250, message


def payload(name: str) -> bytes:
    """A fixture mail, with CRLF line ends as it travels on the wire."""
    data = (PAYLOADS / name).read_bytes()
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


async def eventually(probe: Callable[[], Awaitable[T | None]], seconds: float = 10.0) -> T:
    """Poll ``probe`` until it returns something (the dispatcher works in the background)."""
    deadline = time.monotonic() + seconds
    while True:
        value = await probe()
        if value:
            return value
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


def self_signed(directory: Path, stem: str) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, written as ``stem``.pem/.key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "relay.test")])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path
