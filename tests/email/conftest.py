"""Email fixtures: the hub with the email connector, and a real SMTP server that receives our replies."""

from __future__ import annotations

import asyncio
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
        errors, message = await smtp.sendmail(sender, [to], raw)
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
