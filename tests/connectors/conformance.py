"""The connector conformance framework: kits describe a provider, one suite checks them all.

A kit module is ``tests/connectors/kit_<name>.py`` defining ``KITS: dict[str, KitFactory]``
(connector type → async context-manager factory taking ``httpx_mock``). The suite in
``test_conformance.py`` runs the same checks against every kit.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from beanie import PydanticObjectId

from hub.models import Message
from hub.pipeline.registry import discover
from tests.fakes import EchoConnector

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"
FINAL = {"sent", "delivered", "read", "failed", "undelivered"}


@dataclass
class WebRequest:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""  # appended to the channel's webhook path, e.g. "?x=1"


class Kit(Protocol):
    type: str

    def config(self) -> dict[str, Any]: ...

    def inbound(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, sender: str, text: str
    ) -> WebRequest: ...

    def status(
        self, webhook_url: str, config: dict[str, Any], provider_id: str, status: str
    ) -> WebRequest | None: ...

    def tamper(self, request: WebRequest) -> WebRequest: ...

    async def arrange_send(self, outcome: str, provider_id: str) -> None: ...

    def sender_address(self) -> str: ...


KitFactory = Callable[[Any], AbstractAsyncContextManager[Kit]]


def load_kits() -> dict[str, KitFactory]:
    """Every kit in ``tests/connectors/kit_*.py``, by connector type."""
    kits: dict[str, KitFactory] = {}
    package = Path(__file__).resolve().parent
    for info in pkgutil.iter_modules([str(package)]):
        if info.name.startswith("kit_"):
            module = importlib.import_module(f"tests.connectors.{info.name}")
            kits.update(module.KITS)
    return kits


def installed_connectors() -> dict[str, Any]:
    """The installed connectors (entry points) plus the test connector."""
    return {**discover(), "test": EchoConnector}


def payload(path: str) -> Any:
    """A provider payload fixture from ``tests/payloads`` (JSON parsed, anything else bytes)."""
    import json

    file = PAYLOADS / path
    return json.loads(file.read_text()) if file.suffix == ".json" else file.read_bytes()


async def wait_delivery(
    message_id: PydanticObjectId, until: set[str] = FINAL, attempts: int = 300
) -> Message:
    """The message once its delivery reached one of ``until`` (the dispatcher runs apart)."""
    for _ in range(attempts):
        message = await Message.get(message_id)
        assert message is not None
        if message.delivery in until and message.outbox_due is None:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} stayed {message.delivery}")


def starlette_request(
    body: bytes, headers: dict[str, str], path: str = "/webhooks/x/1", query: str = ""
) -> Any:
    """A Starlette request as the webhook route hands it to ``parse_webhook`` (unit tests)."""
    from starlette.requests import Request

    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": query.encode(),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "scheme": "https",
        "server": ("hub.test", 443),
    }
    return Request(scope, receive)


def outbound(to: str = "+4520123456", text: str = "hello") -> Any:
    """A stored outbound message as the dispatcher hands it to ``send`` (unit tests)."""
    from hub.contract import Address, OutboundMessage

    return OutboundMessage(
        id="m1",
        conversation_id="c1",
        to=Address(kind="phone", value=to),
        text=text,
        status_callback_url="https://hub.test/webhooks/x/1",
    )
