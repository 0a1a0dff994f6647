"""One suite, every connector with a kit: signatures, duplicates, status order, send outcomes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.models import Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant, make_tenant
from tests.connectors.conformance import (
    Kit,
    WebRequest,
    installed_connectors,
    load_kits,
    wait_delivery,
)

KITS = load_kits()


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


@pytest.fixture(params=sorted(KITS))
async def kit(request: pytest.FixtureRequest, httpx_mock: HTTPXMock) -> AsyncIterator[Kit]:
    async with KITS[request.param](httpx_mock) as made:
        yield made


@pytest.fixture
async def line(hub: Hub, kit: Kit) -> Tenant:
    return await make_tenant(hub, channel_type=kit.type, config=kit.config())


#: Connectors whose issues require a kit; any other installed connector is reported below.
REQUIRED_KITS = {"test", "twilio_sms", "twilio_whatsapp", "twilio_rcs", "whatsapp_cloud", "email"}


@pytest.mark.parametrize("type", sorted(installed_connectors()))
def test_installed_connector_has_a_kit(type: str) -> None:
    if type not in KITS and type not in REQUIRED_KITS:
        pytest.skip(f"{type} has no conformance kit (tests/connectors/kit_*.py)")
    assert type in KITS, f"{type} has no conformance kit"


async def _post(client: httpx.AsyncClient, line: Tenant, request: WebRequest) -> httpx.Response:
    return await client.post(
        line.webhook + request.query, content=request.body, headers=request.headers
    )


def _inbound(hub: Hub, kit: Kit, line: Tenant, provider_id: str, text: str = "hello") -> WebRequest:
    url = hub.channel_info(line.channel).webhook_url
    return kit.inbound(url, line.channel.config, provider_id, kit.sender_address(), text)


async def _count(line: Tenant) -> int:
    return await Message.find(Message.channel_id == line.channel.id).count()


async def test_tampered_request_is_refused(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    good = _inbound(hub, kit, line, f"in-{uuid.uuid4().hex}")
    response = await _post(client, line, kit.tamper(good))
    assert response.status_code == 403, response.text
    assert await _count(line) == 0
    assert (await _post(client, line, good)).status_code < 300
    assert await _count(line) == 1


async def test_duplicate_delivery_is_stored_once(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    first = _inbound(hub, kit, line, f"in-{uuid.uuid4().hex}")
    for _ in range(2):
        assert (await _post(client, line, first)).status_code < 300
    second = _inbound(hub, kit, line, f"in-{uuid.uuid4().hex}")
    answers = await asyncio.gather(*(_post(client, line, second) for _ in range(3)))
    assert all(a.status_code < 300 for a in answers), [a.text for a in answers]
    assert await _count(line) == 2


async def _reply(hub: Hub, kit: Kit, line: Tenant, client: httpx.AsyncClient) -> Message:
    """A customer writes in; an agent answers: the answer goes through the outbox."""
    assert (
        await _post(client, line, _inbound(hub, kit, line, f"in-{uuid.uuid4().hex}"))
    ).is_success
    conversation = await Conversation.find_one(Conversation.channel_id == line.channel.id)
    assert conversation is not None
    return await outbox.enqueue(
        hub, conversation, text="Thanks, we are on it", sender=Sender(type="agent", name="Ann")
    )


async def test_send_ok_ends_sent_with_provider_id(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    provider_id = f"out-{uuid.uuid4().hex}"
    await kit.arrange_send("ok", provider_id)
    message = await wait_delivery((await _reply(hub, kit, line, client)).id)  # type: ignore[arg-type]
    assert message.delivery == "sent"
    assert message.provider_message_id == provider_id
    assert message.error is None


async def test_retryable_error_is_retried(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    provider_id = f"out-{uuid.uuid4().hex}"
    await kit.arrange_send("retryable", provider_id)
    await kit.arrange_send("ok", provider_id)
    message = await wait_delivery((await _reply(hub, kit, line, client)).id)  # type: ignore[arg-type]
    assert message.delivery == "sent"
    assert message.provider_message_id == provider_id
    assert message.attempts == 2


async def test_permanent_error_fails_with_provider_reason(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    await kit.arrange_send("permanent", f"out-{uuid.uuid4().hex}")
    message = await wait_delivery((await _reply(hub, kit, line, client)).id)  # type: ignore[arg-type]
    assert message.delivery == "failed"
    assert message.attempts == 1
    assert message.error is not None and message.error.message
    expected = getattr(kit, "permanent_code", None)
    if expected is not None:
        assert message.error.code == expected


async def test_statuses_out_of_order_only_move_forward(
    client: httpx.AsyncClient, hub: Hub, kit: Kit, line: Tenant
) -> None:
    url = hub.channel_info(line.channel).webhook_url
    if kit.status(url, line.channel.config, "probe", "sent") is None:
        pytest.skip(f"{kit.type} has no status webhooks")
    provider_id = f"out-{uuid.uuid4().hex}"
    await kit.arrange_send("ok", provider_id)
    message = await wait_delivery((await _reply(hub, kit, line, client)).id)  # type: ignore[arg-type]
    for state in ("delivered", "sent", "delivered"):
        request = kit.status(url, line.channel.config, provider_id, state)
        assert request is not None
        assert (await _post(client, line, request)).status_code < 300
    stored = await Message.get(message.id)
    assert stored is not None and stored.delivery == "delivered"
    tampered = kit.tamper(kit.status(url, line.channel.config, provider_id, "read"))  # type: ignore[arg-type]
    assert (await _post(client, line, tampered)).status_code == 403
    stored = await Message.get(message.id)
    assert stored is not None and stored.delivery == "delivered"
