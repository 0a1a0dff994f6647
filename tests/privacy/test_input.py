"""No 5xx from input: hostile JSON bodies on every API operation, webhook and widget route.

Deep nesting (5,000 levels), NUL in keys, integers past 64 bits, lone surrogates,
huge floats, bad UTF-8, wrong types and oversize bodies are all refused with a 4xx,
and a refused request leaves the keep-alive connection usable.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from connectors.whatsapp_cloud.inbound import sign as meta_sign
from hub.models import Contact
from hub.pipeline.services import Hub
from tests.conftest import Running, Tenant, make_tenant
from tests.connectors.conformance import installed_connectors
from tests.connectors.kit_email import SECRET as EMAIL_SECRET
from tests.fakes import signed_headers
from tests.widget.conftest import HUB_ORIGIN, SHOP, serve

BODIES: dict[str, bytes] = {
    "deep_array": b"[" * 5000 + b"]" * 5000,
    "deep_object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "deep_inside": b'{"text": "x", "attributes": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "nul_key": b'{"name": "x", "email": "a@b.example", "attributes": {"a\\u0000b": 1}, "\\u0000": 1}',
    "huge_int": b'{"name": "x", "text": "x", "limit": 1180591620717411303424}',
    "surrogate": b'{"name": "\\ud800", "text": "\\udfff", "email": "a@b.example"}',
    "surrogate_key": b'{"\\ud83d": "x"}',
    "huge_float": b'{"text": "x", "latitude": 1e999}',
    "nan": b'{"text": NaN}',
    "bad_utf8": b'{"text": "\xff\xfe"}',
    "not_json": b'{"text": ',
    "wrong_types": b'{"name": ["x"], "text": {"a": 1}, "channel": 5, "events": "all",'
    b' "messages": "x", "entry": 7, "statuses": {"x": 1}, "to": 4, "url": 9}',
    "top_level_array": b"[1, 2, 3]",
    "top_level_string": b'"hello"',
    "oversize": b'{"text": "' + b"a" * (2 * 1024 * 1024) + b'"}',
}


@pytest.fixture
def connectors() -> dict[str, Any]:
    return installed_connectors()


@pytest.fixture
async def lines(running: Running) -> dict[str, Tenant]:
    hub = running.hub
    return {
        "test": await make_tenant(hub, "Echo", addons=["generic_api", "chatbot_api"]),
        "webchat": await make_tenant(
            hub, "Chat", channel_type="webchat", config={"allowed_origins": [SHOP]}
        ),
        "whatsapp_cloud": await make_tenant(
            hub,
            "Meta",
            channel_type="whatsapp_cloud",
            config={"phone_number_id": "1234567", "access_token": "t", "app_secret": "app-s"},
        ),
        "email": await make_tenant(
            hub,
            "Mail",
            channel_type="email",
            config={
                "address": "help@mail.example",
                "smtp_host": "127.0.0.1",
                "inbound_secret": EMAIL_SECRET,
            },
        ),
        "twilio_sms": await make_tenant(
            hub,
            "Sms",
            channel_type="twilio_sms",
            config={"account_sid": "AC" + "0" * 32, "auth_token": "tok", "from_number": "+1310"},
        ),
    }


def _assert_no_5xx(r: httpx.Response, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"


async def _api_operations(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    """Every (method, path) of the OpenAPI document that takes a JSON body."""
    document = (await client.get("/api/v1/openapi.json")).json()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                found.append((method.upper(), "/api/v1" + path.removeprefix("/api/v1")))
    return found


async def test_hostile_bodies_on_every_api_operation(
    running: Running, lines: dict[str, Tenant]
) -> None:
    client, tenant = running.client, lines["test"]
    contact = await client.post(
        "/api/v1/contacts", json={"name": "C", "email": "c@c.example"}, headers=tenant.auth
    )
    bot = await client.post(
        "/api/v1/bots",
        json={
            "name": "b",
            "webhook_url": "http://127.0.0.1:9/",
            "channel_ids": [str(tenant.channel.id)],
        },
        headers=tenant.auth,
    )
    assert bot.status_code == 201, bot.text
    bot_auth = {"Authorization": f"Bearer {bot.json()['token']}"}
    operations = await _api_operations(client)
    assert len(operations) >= 6
    for method, path in operations:
        url = path.replace("{id}", contact.json()["id"])
        auth = bot_auth if path.startswith("/api/v1/bot/") else tenant.auth
        for name, body in BODIES.items():
            headers = {**auth, "content-type": "application/json"}
            r = await client.request(method, url, content=body, headers=headers)
            _assert_no_5xx(r, f"{method} {path} with {name}")
            assert r.status_code in (400, 404, 405, 413, 422), f"{method} {path} {name}: {r.text}"


async def test_hostile_bodies_on_every_webhook(running: Running, lines: dict[str, Tenant]) -> None:
    client = running.client
    for type, tenant in lines.items():
        for name, body in BODIES.items():
            headers = {"content-type": "application/json"}
            if type == "test":
                headers = signed_headers(body)
            elif type == "whatsapp_cloud":
                headers["x-hub-signature-256"] = meta_sign("app-s", body)
            elif type == "email":
                headers["x-parley-secret"] = EMAIL_SECRET
            r = await client.post(tenant.webhook, content=body, headers=headers)
            _assert_no_5xx(r, f"{type} webhook with {name}")
            if type in ("test", "whatsapp_cloud"):  # correctly signed: refused for the body
                assert r.status_code in (400, 413), f"{type} {name}: {r.status_code} {r.text}"


async def test_hostile_bodies_on_every_widget_route(
    running: Running, lines: dict[str, Tenant]
) -> None:
    client, chat = running.client, lines["webchat"]
    opened = await client.post(
        "/widget/v1/session",
        json={"channel": str(chat.channel.id), "origin": SHOP},
        headers=HUB_ORIGIN,
    )
    assert opened.status_code == 200, opened.text
    token = opened.json()["token"]
    routes = ["session", "contact", "ticket", "messages", "typing", "agent/typing"]
    for route in routes:
        for name, body in BODIES.items():
            for auth in ({}, {"Authorization": f"Bearer {token}"}):
                headers = {**HUB_ORIGIN, **auth, "content-type": "application/json"}
                r = await client.post(f"/widget/v1/{route}", content=body, headers=headers)
                _assert_no_5xx(r, f"/widget/v1/{route} with {name}")


@pytest.mark.parametrize(
    "attributes, says",
    [
        ('{"a\\u0000b": 1}', "NUL"),
        ('{"big": 1180591620717411303424}', "64 bits"),
        ('{"text": "\\ud800"}', "surrogate"),
        ('{"$where": "1"}', "$"),
        ('{"a.b": 1}', "dot"),
        (
            '{"deep": {"er": {"and": {"deeper": {"still": {"more": {"levels": {"x": {"y": 1}}}}}}}}}',
            "deep",
        ),
    ],
)
async def test_contact_attributes_the_database_cannot_store_get_a_400_naming_the_problem(
    client: httpx.AsyncClient, tenant: Tenant, attributes: str, says: str
) -> None:
    body = f'{{"name": "Ann", "email": "ann@example.com", "attributes": {attributes}}}'
    headers = {**tenant.auth, "content-type": "application/json"}
    r = await client.post("/api/v1/contacts", content=body.encode(), headers=headers)
    assert r.status_code == 400, r.text
    assert says in r.json()["error"]["message"]
    assert await Contact.find(Contact.account_id == tenant.account.id).count() == 0
    fine = await client.post(
        "/api/v1/contacts",
        json={
            "name": "Ann",
            "email": "ann@example.com",
            "attributes": {"plan": "gold", "n": 2**62},
        },
        headers=tenant.auth,
    )
    assert fine.status_code == 201, fine.text
    patched = await client.patch(
        f"/api/v1/contacts/{fine.json()['id']}", content=body.encode(), headers=headers
    )
    assert patched.status_code == 400 and says in patched.json()["error"]["message"]


async def test_keep_alive_survives_a_refused_request(
    running: Running, tenant: Tenant, hub: Hub
) -> None:
    async with serve(running.app) as base, httpx.AsyncClient(base_url=base) as http:
        seen = set()
        for body in (
            BODIES["deep_array"],
            BODIES["nul_key"],
            b'{"name": "ok", "email": "k@k.example"}',
        ):
            r = await http.post(
                "/api/v1/contacts",
                content=body,
                headers={**tenant.auth, "content-type": "application/json"},
            )
            assert r.status_code in (201, 400), r.text
            assert r.headers.get("connection") != "close"
            seen.add(r.extensions["network_stream"].get_extra_info("client_addr"))
        assert r.status_code == 201
        assert len(seen) == 1, f"the connection was replaced: {seen}"
        assert urlsplit(base).hostname == "127.0.0.1"
        json.loads(r.text)
