"""The email connector's kit for the shared connector conformance suite.

Inbound: a raw MIME mail POSTed to the channel's HTTP route with its inbound
secret. Outbound: a real aiosmtpd server plays the customer's mail server and
answers the next DATA as arranged (250, 451, 550). Email has no status
webhooks. Our own Message-ID is the provider id of a sent mail, so for "ok"
the kit pins the next generated Message-ID to the id the suite expects.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from connectors.email import send as email_send
from tests.connectors.conformance import Kit, WebRequest

ADDRESS = "support@kit.example"
SECRET = "kit-inbound-secret-0123456789abcdef"


class _Server:
    """The receiving SMTP server: answers DATA from a script, stores what it accepts.

    ``pinned`` holds the Message-IDs the suite expects, in order; one is used up
    when its mail is finally accepted or refused for good (a 4xx retry reuses it).
    """

    def __init__(self) -> None:
        self.answers: list[str] = []
        self.received: list[bytes] = []
        self.pinned: list[str] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        answer = self.answers.pop(0) if self.answers else "250 2.0.0 Accepted"
        if answer.startswith("250"):
            self.received.append(bytes(envelope.content or b""))
        if not answer.startswith("4") and self.pinned:
            self.pinned.pop(0)
        return answer


class EmailKit:
    type = "email"
    permanent_code = "550"
    permanent_text = "5.1.1 <customer@kit-customer.example>: Recipient address rejected"

    def __init__(self, port: int, server: _Server) -> None:
        self.port = port
        self.server = server

    def config(self) -> dict[str, Any]:
        return {
            "address": ADDRESS,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "none",
            "from_name": "Kit Support",
            "inbound_secret": SECRET,
        }

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest:
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = config.get("address", ADDRESS)
        mail["Subject"] = "Conformance"
        mail["Message-ID"] = f"<{provider_id}>"
        mail.set_content(text)
        return WebRequest(
            body=mail.as_bytes(),
            headers={
                "content-type": "message/rfc822",
                "x-parley-secret": str(config.get("inbound_secret", SECRET)),
            },
        )

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None:
        return None

    def tamper(self, request: WebRequest) -> WebRequest:
        headers = dict(request.headers)
        headers["x-parley-secret"] = "not-the-secret"
        return WebRequest(body=request.body, headers=headers, query=request.query)

    async def arrange_send(self, outcome: str, provider_id: str) -> None:
        if not self.server.pinned or self.server.pinned[-1] != provider_id:
            self.server.pinned.append(provider_id)
        if outcome == "ok":
            pass
        elif outcome == "retryable":
            self.server.answers.append("451 4.7.1 Greylisted, try again later")
        elif outcome == "permanent":
            self.server.answers.append(f"{self.permanent_code} {self.permanent_text}")
        else:
            raise ValueError(f"unknown outcome {outcome!r}")

    def sender_address(self) -> str:
        return "customer@kit-customer.example"

    def _message_id(self, domain: str) -> str:
        return f"<{self.server.pinned[0]}>" if self.server.pinned else self._original(domain)

    _original = staticmethod(email_send.new_message_id)


@asynccontextmanager
async def make_kit(httpx_mock: Any) -> AsyncIterator[Kit]:
    server = _Server()
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(
        lambda: SMTP(server, decode_data=False), host="127.0.0.1", port=0
    )
    kit = EmailKit(listener.sockets[0].getsockname()[1], server)
    email_send.new_message_id = kit._message_id  # type: ignore[assignment]
    try:
        yield kit
    finally:
        email_send.new_message_id = EmailKit._original  # type: ignore[assignment]
        listener.close()
        await listener.wait_closed()


KITS = {"email": make_kit}
