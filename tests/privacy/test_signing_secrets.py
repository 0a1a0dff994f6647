"""Signing secrets of outbound-webhook subscriptions and bots are stored sealed, like channel
secrets: sealed when made, sealed at start when found plain, re-sealed by ``parley keys rotate``;
deliveries are still signed with the plain secret."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from beanie import PydanticObjectId
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.integrations.event_webhooks import SIGNATURE_HEADER, verify
from hub.models import Bot, WebhookSubscription
from hub.pipeline import channel_secrets
from hub.settings import Settings
from tests.api.conftest import eventually, inbound
from tests.centre.helpers import serve
from tests.conftest import Running, make_tenant, start_app

PARLEY = str(Path(sys.executable).with_name("parley"))
NEW_KEY = "a-brand-new-installation-key"


class Hooks:
    """A receiver on 127.0.0.1 that keeps every request's signature header and body."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []

    async def hook(self, request: Request) -> JSONResponse:
        self.seen.append((request.headers.get(SIGNATURE_HEADER, ""), await request.body()))
        return JSONResponse({})


@pytest.fixture
async def hooks() -> AsyncIterator[tuple[Hooks, str]]:
    receiver = Hooks()
    app = Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])
    async with serve(app) as base:
        yield receiver, f"{base}/hook"


async def _raw(model: Any, doc_id: Any) -> dict[str, Any]:
    found = await model.get_pymongo_collection().find_one({"_id": doc_id})
    assert found is not None
    return dict(found)


async def _signed_with(receiver: Hooks, secret: str) -> bool:
    return any(verify(secret, header, body) for header, body in receiver.seen)


async def test_webhook_and_bot_secrets_are_sealed_and_still_sign(
    running: Running, hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    tenant = await make_tenant(running.hub, "Acme", addons=["generic_api", "chatbot_api"])
    client = running.client
    r = await client.post(
        "/api/v1/webhooks", json={"url": url, "events": ["message.created"]}, headers=tenant.auth
    )
    assert r.status_code == 201, r.text
    sub_secret = r.json()["secret"]
    raw = await _raw(WebhookSubscription, _oid(r.json()["id"]))
    assert raw["secret"].startswith("enc:v1:") and sub_secret not in json.dumps(raw, default=str)
    await inbound(client, tenant.webhook, "m1", "+4512", "hello")
    await eventually(lambda: _signed_with(receiver, sub_secret), "a delivery signed with it")

    other = await make_tenant(running.hub, "Botco", addons=["generic_api", "chatbot_api"])
    r = await client.post(
        "/api/v1/bots",
        json={"name": "B", "webhook_url": url, "channel_ids": [str(other.channel.id)]},
        headers=other.auth,
    )
    assert r.status_code == 201, r.text
    bot_secret = r.json()["secret"]
    raw = await _raw(Bot, _oid(r.json()["id"]))
    assert raw["secret"].startswith("enc:v1:") and bot_secret not in json.dumps(raw, default=str)
    await inbound(client, other.webhook, "b1", "+4513", "hi bot")
    await eventually(lambda: _signed_with(receiver, bot_secret), "a bot delivery signed with it")


async def test_plain_ones_are_sealed_at_start_and_rotated_by_keys_rotate(
    running: Running, settings: Settings, connectors: dict[str, Any], hooks: tuple[Hooks, str]
) -> None:
    receiver, url = hooks
    tenant = await make_tenant(running.hub, "Old", addons=["generic_api", "chatbot_api"])
    plain_sub, plain_bot = "whsec_plain-from-before", "bot-plain-from-before"
    sub = WebhookSubscription(
        id=PydanticObjectId(),
        account_id=tenant.account.id,
        url=url,
        events=["message.created"],
        secret=plain_sub,
    )
    await WebhookSubscription.get_pymongo_collection().insert_one(sub.model_dump(by_alias=True))
    bot = Bot(
        id=PydanticObjectId(), account_id=tenant.account.id, name="Old bot", webhook_url=url, channel_ids=[],
        token_digest="d" * 64, secret=plain_bot,
    )  # fmt: skip
    await Bot.get_pymongo_collection().insert_one(bot.model_dump(by_alias=True))
    async for _ in start_app(settings, connectors):
        pass
    sealed_sub = (await _raw(WebhookSubscription, sub.id))["secret"]
    sealed_bot = (await _raw(Bot, bot.id))["secret"]
    assert sealed_sub.startswith("enc:v1:") and sealed_bot.startswith("enc:v1:")
    await inbound(running.client, tenant.webhook, "m1", "+4512", "hello")
    await eventually(lambda: _signed_with(receiver, plain_sub), "signed with the old secret")

    # The first hub holds only the old key: it stops delivering, as a process restarted
    # with the new key would. Left running, its worker may claim the next delivery, fail to
    # open the re-sealed secret and put it off by the backoff.
    await running.app.state.workers["webhook_deliveries"].stop()
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
    assert json.loads(done.stdout)["unreadable"] == 0
    current = channel_secrets.Cipher(NEW_KEY).current
    for model, doc_id, plain in (
        (WebhookSubscription, sub.id, plain_sub),
        (Bot, bot.id, plain_bot),
    ):
        rotated = (await _raw(model, doc_id))["secret"]
        assert rotated.startswith(f"enc:v1:{current}:")
        assert channel_secrets.Cipher(NEW_KEY).open(_field(model), rotated) == plain
    fresh = dataclasses.replace(settings, secret_key=NEW_KEY, previous_secret_key="")
    receiver.seen.clear()
    async for second in start_app(fresh, connectors):
        await inbound(second.client, tenant.webhook, "m2", "+4512", "again")
        await eventually(lambda: _signed_with(receiver, plain_sub), "signed after rotation")


def _field(model: Any) -> str:
    return "webhook.secret" if model is WebhookSubscription else "bot.secret"


def _oid(value: str) -> PydanticObjectId:
    return PydanticObjectId(value)
