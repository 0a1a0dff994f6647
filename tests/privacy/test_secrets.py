"""Channel secrets at rest: sealed in the database, plain only to the connector, rotatable."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import json_util
from pytest_httpx import HTTPXMock

from hub.contract import secret_fields
from hub.models import AuditEvent, Channel, Conversation, Message, Sender
from hub.pipeline import channel_secrets, outbound, outbox
from hub.pipeline.registry import discover
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.conftest import Running, Tenant, make_tenant, start_app
from tests.connectors.conformance import WebRequest, installed_connectors
from tests.connectors.kit_twilio import AUTH_TOKEN, KITS
from tests.core.helpers import wait_for

PARLEY = str(Path(sys.executable).with_name("parley"))
NEW_KEY = "a-brand-new-installation-key"


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


async def _raw(channel_id: Any) -> str:
    doc = await Channel.get_pymongo_collection().find_one({"_id": channel_id})
    return json_util.dumps(doc)


def test_every_connector_declares_its_secrets() -> None:
    fields = {t: secret_fields(cls.Config) for t, cls in discover().items()}
    assert fields["twilio_sms"] == ("auth_token", "webhook_signing_key")
    assert set(fields["whatsapp_cloud"]) == {"access_token", "app_secret", "verify_token"}
    assert set(fields["email"]) == {"smtp_password", "inbound_secret"}
    assert fields["webchat"] == ("identity_secret",)


def test_a_sealed_value_opens_only_under_its_key_and_field() -> None:
    cipher = channel_secrets.Cipher("key one")
    sealed = cipher.seal("auth_token", "tok-123")
    assert "tok-123" not in sealed and sealed.startswith("enc:v1:")
    assert cipher.open("auth_token", sealed) == "tok-123"
    with pytest.raises(channel_secrets.SecretUnreadable):
        cipher.open("app_secret", sealed)  # moved to another field
    with pytest.raises(channel_secrets.SecretUnreadable):
        channel_secrets.Cipher("key two").open("auth_token", sealed)
    rotated = channel_secrets.Cipher("key two", previous="key one")
    assert rotated.open("auth_token", sealed) == "tok-123"
    assert rotated.needs_sealing(sealed) and not cipher.needs_sealing(sealed)


async def _inbound(client: httpx.AsyncClient, url: str, request: WebRequest) -> int:
    path = url.removeprefix("http://hub.test")
    r = await client.post(path, content=request.body, headers=request.headers)
    return r.status_code


async def _round_trip(running: Running, tenant: Tenant, httpx_mock: HTTPXMock, n: int) -> None:
    """A signed inbound message is taken, a tampered one refused, and a reply is sent."""
    async with KITS["twilio_sms"](httpx_mock) as kit:
        url = running.hub.webhook_url(tenant.channel)
        good = kit.inbound(url, kit.config(), f"SM{n:032d}", kit.sender_address(), "hello")
        assert await _inbound(running.client, url, good) == 200
        assert await _inbound(running.client, url, kit.tamper(good)) == 403
        message = await Message.find_one(Message.provider_message_id == f"SM{n:032d}")
        assert message is not None
        await kit.arrange_send("ok", f"SM{n + 1:032d}")
    conversation = await Conversation.get(message.conversation_id)
    assert conversation is not None
    reply = await outbox.enqueue(running.hub, conversation, text="hi", sender=Sender(type="agent"))

    async def settled() -> Message | None:
        found = await Message.get(reply.id)
        return found if found and found.delivery not in ("queued", "sending") else None

    assert (await wait_for(settled, "the reply's send")).delivery == "sent"


async def test_saved_channel_holds_no_plain_secret_and_still_works_after_rotation(
    running: Running, settings: Settings, httpx_mock: HTTPXMock
) -> None:
    async with KITS["twilio_sms"](httpx_mock) as kit:
        config = kit.config()
    tenant = await make_tenant(running.hub, "Acme", channel_type="twilio_sms", config=config)
    raw = await _raw(tenant.channel.id)
    assert AUTH_TOKEN not in raw and "enc:v1:" in raw
    assert config["account_sid"] in raw  # not secret: stays readable
    await _round_trip(running, tenant, httpx_mock, 1)

    # Secrets show nowhere: not in the API's channels, not in audit details.
    listed = await running.client.get("/api/v1/channels", headers=tenant.auth)
    assert listed.status_code == 200 and AUTH_TOKEN not in listed.text
    audits = await AuditEvent.find(AuditEvent.account_id == tenant.account.id).to_list()
    assert AUTH_TOKEN not in json.dumps([a.details for a in audits])

    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_MONGODB_URI=settings.mongodb_uri or "",
        PARLEY_DATABASE=settings.database,
        PARLEY_DATA_DIR=str(settings.data_dir),
        PARLEY_SECRET_KEY=NEW_KEY,
        PARLEY_SECRET_KEY_PREVIOUS=settings.secret_key,
    )
    done = await asyncio.to_thread(
        subprocess.run, [PARLEY, "keys", "rotate"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["secrets"] >= 1 and answer["unreadable"] == 0
    rotated = await _raw(tenant.channel.id)
    assert rotated != raw and AUTH_TOKEN not in rotated
    assert channel_secrets.Cipher(NEW_KEY).current in rotated

    # A hub that only knows the new key still verifies and sends.
    fresh = dataclasses.replace(settings, secret_key=NEW_KEY, previous_secret_key="")
    async with outbound.guarded_client() as http:
        async for second in start_app(fresh, installed_connectors(), http):
            await _round_trip(second, tenant, httpx_mock, 3)


async def test_plain_secrets_already_stored_are_sealed_at_start_up(
    running: Running, settings: Settings, hub: Hub
) -> None:
    tenant = await make_tenant(hub, "Old", config={"secret": "plain-from-before"})
    await Channel.get_pymongo_collection().update_one(
        {"_id": tenant.channel.id}, {"$set": {"config.secret": "plain-from-before"}}
    )
    assert "plain-from-before" in await _raw(tenant.channel.id)
    async with outbound.guarded_client() as http:
        async for _ in start_app(settings, installed_connectors(), http):
            pass
    raw = await _raw(tenant.channel.id)
    assert "plain-from-before" not in raw
    hub.channels.forget(tenant.channel.id)
    channel = await hub.channel(tenant.channel.id)
    assert channel is not None
    assert hub.channel_info(channel).config["secret"] == "plain-from-before"


async def test_rotation_without_the_previous_key_says_what_it_cannot_open(
    running: Running, settings: Settings
) -> None:
    await make_tenant(running.hub, "Acme", config={"secret": "s-1"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_MONGODB_URI=settings.mongodb_uri or "",
        PARLEY_DATABASE=settings.database,
        PARLEY_DATA_DIR=str(settings.data_dir),
        PARLEY_SECRET_KEY=NEW_KEY,
    )
    done = await asyncio.to_thread(
        subprocess.run, [PARLEY, "keys", "rotate"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "PARLEY_SECRET_KEY_PREVIOUS" in done.stderr and "s-1" not in done.stderr


async def test_a_refused_config_does_not_quote_its_secrets(running: Running) -> None:
    from hub.tenants import accounts

    account = await accounts.create_account("Acme", "HUB", 3)
    with pytest.raises(accounts.AdminError) as refused:
        await accounts.create_channel(
            running.hub,
            account,
            "twilio_sms",
            "no sender",
            {"account_sid": "AC" + "0" * 32, "auth_token": "tok-never-shown"},
        )
    assert refused.value.code == "invalid_config"
    assert "from_number" in refused.value.message
    assert "tok-never-shown" not in refused.value.message
