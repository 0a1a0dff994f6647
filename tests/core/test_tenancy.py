"""Every API route refuses bad keys and keys without the add-on, and hides other accounts."""

from __future__ import annotations

import re

import httpx
import pytest
from beanie import PydanticObjectId
from pytest_httpx import HTTPXMock

from hub.api import api_routes
from hub.api import routes as core_routes
from hub.api import users as user_routes
from hub.models import ApiKey, Conversation, Message, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from tests.conftest import Tenant, make_tenant
from tests.core.helpers import inbound_conversation
from tests.fakes import TEST_API


def _body(method: str, path: str) -> dict[str, object] | None:
    if method == "PATCH":
        return {"status": "resolved"}
    if method == "POST" and path.endswith("/users"):
        return {"email": "x@y.test", "password": "long enough"}
    if method == "POST":
        return {"text": "hello"}
    return None


def _endpoints(routes: list[object]) -> list[tuple[str, str]]:
    """(method, path) of every API route, ``/openapi.json`` (public) aside."""
    found = []
    for route in routes:
        path = getattr(route, "path", "")
        if path == "/openapi.json":
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                found.append((method, path))
    return found


def _fill(path: str) -> str:
    return "/api/v1" + re.sub(r"\{[^}]+\}", str(PydanticObjectId()), path)


async def _call(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(method, path, json=_body(method, path), headers=headers)


async def test_every_route_refuses_missing_wrong_and_revoked_keys(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    revoked = await ApiKey.find_one(ApiKey.account_id == tenant.account.id)
    assert revoked is not None
    revoked.revoked = True
    await revoked.save()
    endpoints = _endpoints(api_routes)
    assert len(endpoints) >= 9
    for method, path in endpoints:
        for headers in (
            {},
            {"Authorization": "Basic abc"},
            {"Authorization": "Bearer pk_not-a-real-key"},
            {"Authorization": "Bearer nonsense"},
            tenant.auth,  # revoked above
        ):
            r = await _call(client, method, _fill(path), headers)
            assert r.status_code == 401, (method, path, headers, r.text)
            assert r.json()["error"]["code"] == "unauthorized"


async def test_every_route_needs_the_generic_api_addon(client: httpx.AsyncClient, hub: Hub) -> None:
    bare = await make_tenant(hub, "NoApi", addons=[])
    for method, path in _endpoints([*core_routes.routes, *user_routes.routes]):
        r = await _call(client, method, _fill(path), bare.auth)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["code"] == "addon_required"


@pytest.fixture
async def owned(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, httpx_mock: HTTPXMock
) -> dict[str, str]:
    """Ids of things the first tenant owns: a conversation and an outbound message.

    The app's dispatcher sends the queued replies; the provider is stubbed so that no
    request leaves the machine (an unanswered DNS look-up would hold up the teardown).
    """
    httpx_mock.add_response(
        url=f"{TEST_API}/send", json={"sid": "p-tenancy"}, is_optional=True, is_reusable=True
    )
    conversation = await inbound_conversation(client, tenant)
    message = await outbox.enqueue(hub, conversation, text="ours", sender=Sender(type="agent"))
    return {"conversation": str(conversation.id), "message": str(message.id)}


async def test_other_accounts_ids_answer_404(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, owned: dict[str, str]
) -> None:
    conv, msg = owned["conversation"], owned["message"]
    cases = [
        ("GET", f"/api/v1/conversations/{conv}"),
        ("PATCH", f"/api/v1/conversations/{conv}"),
        ("GET", f"/api/v1/conversations/{conv}/messages"),
        ("POST", f"/api/v1/conversations/{conv}/messages"),
        ("GET", f"/api/v1/messages/{msg}"),
    ]
    odd = [("GET", f"/api/v1/messages/{conv}"), ("GET", "/api/v1/conversations/not-an-id")]
    for method, path in cases + odd:
        r = await _call(client, method, path, other_tenant.auth)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "not_found"
    # Nothing the refused calls asked for happened ...
    found = await Conversation.get(PydanticObjectId(conv))
    assert found is not None and found.status == "open"
    assert await Message.find(Message.conversation_id == found.id).count() == 2
    # ... and the same calls with the owner's key find what they ask for.
    for method, path in cases:
        r = await _call(client, method, path, tenant.auth)
        assert r.status_code in (200, 202), (method, path, r.text)


async def test_lists_show_only_the_callers_account(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, owned: dict[str, str]
) -> None:
    channels = (await client.get("/api/v1/channels", headers=other_tenant.auth)).json()["data"]
    assert [c["id"] for c in channels] == [str(other_tenant.channel.id)]
    for query in ("", f"?channel_id={tenant.channel.id}", "?status=open"):
        r = await client.get(f"/api/v1/conversations{query}", headers=other_tenant.auth)
        assert r.status_code == 200 and r.json()["data"] == [], query
    r = await client.get("/api/v1/conversations", headers=tenant.auth)
    assert [c["id"] for c in r.json()["data"]] == [owned["conversation"]]
    r = await client.post(
        "/api/v1/users",
        json={"email": "a@acme.test", "password": "password1"},
        headers=tenant.auth,
    )
    assert r.status_code == 201
    assert (await client.get("/api/v1/users", headers=other_tenant.auth)).json()["data"] == []
