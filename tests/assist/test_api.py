"""The assist API: the setting in /account, the four routes, their errors and isolation."""

from __future__ import annotations

import dataclasses
import logging

import httpx
import pytest

from hub.assist import client as assist_client
from hub.models import Account, AuditEvent, Conversation
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.store import assist as assist_store
from hub.store import labels
from tests.api.conftest import inbound
from tests.assist.conftest import use_assist
from tests.assist.standin import Answer, StandIn
from tests.conftest import Tenant

KEY = "sk-live-very-secret-4242"


async def _conversation(client: httpx.AsyncClient, tenant: Tenant, text: str) -> str:
    await inbound(client, tenant.webhook, "m1", "+4512345678", text)
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return str(found.id)


def _routes(conversation_id: str) -> list[tuple[str, dict[str, str] | None]]:
    base = f"/api/v1/conversations/{conversation_id}/assist"
    return [
        (f"{base}/suggestions", None),
        (f"{base}/summary", None),
        (f"{base}/labels", None),
        ("/api/v1/assist/translate", {"text": "Bonjour, où est mon colis ?", "to": "en"}),
    ]


async def test_setting_through_the_api_never_shows_the_key(
    client: httpx.AsyncClient,
    tenant: Tenant,
    assist_endpoint: StandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = {"assist": {"base_url": assist_endpoint.base_url, "model": "llama3.2", "api_key": KEY,
                       "features": {"labels": False}, "agent_language": "da"}}  # fmt: skip
    r = await client.patch("/api/v1/account", json=body, headers=tenant.auth)
    assert r.status_code == 200, r.text
    shown = r.json()["assist"]
    assert shown == {
        "enabled": True,
        "base_url": assist_endpoint.base_url,
        "model": "llama3.2",
        "api_key_set": True,
        "features": {"suggest": True, "summarize": True, "translate": True, "labels": False},
        "agent_language": "da",
    }
    read = await client.get("/api/v1/account", headers=tenant.auth)
    assert read.json()["assist"] == shown
    # stored sealed, never in an answer, the audit log or a log line
    stored = await Account.get(tenant.account.id)
    assert stored is not None and stored.assist is not None
    assert stored.assist.api_key and KEY not in stored.assist.api_key
    audit = await client.get("/api/v1/audit_events", headers=tenant.auth)
    assert "assist_changed" in audit.text and KEY not in audit.text
    # the key goes to the endpoint, and only there
    assist_endpoint.answer("Hello")
    r = await client.post("/api/v1/assist/translate", json={"text": "Hej med dig, hvordan går det?", "to": "en"},
                          headers=tenant.auth)  # fmt: skip
    assert r.status_code == 200, r.text
    assert assist_endpoint.last.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in caplog.text and KEY not in r.text
    # a change without the key keeps it; an empty key removes it
    r = await client.patch(
        "/api/v1/account", json={"assist": {"model": "qwen"}}, headers=tenant.auth
    )
    assert r.json()["assist"]["api_key_set"] is True and r.json()["assist"]["model"] == "qwen"
    r = await client.patch("/api/v1/account", json={"assist": {"api_key": ""}}, headers=tenant.auth)
    assert r.json()["assist"]["api_key_set"] is False
    r = await client.patch("/api/v1/account", json={"assist": None}, headers=tenant.auth)
    assert r.json()["assist"] is None
    assert KEY not in caplog.text


async def test_private_base_url_is_refused_and_nothing_leaves(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    for url in ("http://10.1.2.3/v1", "http://169.254.169.254/v1", "http://[::1]:11434/v1",
                "http://192.168.0.7:11434/v1"):  # fmt: skip
        body = {"assist": {"base_url": url, "model": "m"}}
        r = await client.patch("/api/v1/account", json=body, headers=tenant.auth)
        assert r.status_code == 400, (url, r.text)
        assert r.json()["error"]["code"] == "outbound_refused"
        assert r.json()["error"]["field"] == "assist.base_url"
    body = {"assist": {"base_url": "https://me:pw@llm.example.com/v1", "model": "m"}}
    r = await client.patch("/api/v1/account", json=body, headers=tenant.auth)
    assert r.status_code == 400 and "give the key as api_key" in r.text
    stored = await Account.get(tenant.account.id)
    assert stored is not None and stored.assist is None
    # a setting that got past the check (a name that now resolves inside) is refused at
    # connect time by the guarded client: no request leaves, the answer says why
    await use_assist(hub, tenant.account, assist_endpoint)
    conversation_id = await _conversation(client, tenant, "Where is my parcel?")
    strict = outbound.guarded_client(outbound.Policy())  # nothing inside allowed
    monkeypatch.setattr(hub, "http", strict)
    try:
        r = await client.post(
            f"/api/v1/conversations/{conversation_id}/assist/summary", headers=tenant.auth
        )
    finally:
        await strict.aclose()
    assert r.status_code == 502, r.text
    assert r.json()["error"]["code"] == "assist_unavailable"
    assert "refused" in r.json()["error"]["message"] and "loopback" in r.json()["error"]["message"]
    assert assist_endpoint.requests == []


async def test_not_configured_feature_off_and_switched_off(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    conversation_id = await _conversation(client, tenant, "Hi there, I need help")
    for url, body in _routes(conversation_id):
        r = await client.post(url, json=body, headers=tenant.auth)
        assert r.status_code == 409, (url, r.text)
        assert r.json()["error"]["code"] == "assist_not_configured"
    features = {"suggest": False, "summarize": False, "labels": False, "translate": False}
    await use_assist(hub, tenant.account, assist_endpoint, features=features)
    for url, body in _routes(conversation_id):
        r = await client.post(url, json=body, headers=tenant.auth)
        assert r.status_code == 403, (url, r.text)
        assert r.json()["error"]["code"] == "assist_feature_off"
    account = await Account.get(tenant.account.id)
    assert account is not None
    await use_assist(hub, account, assist_endpoint, features={k: True for k in features},
                     enabled=False)  # fmt: skip
    for url, body in _routes(conversation_id):
        r = await client.post(url, json=body, headers=tenant.auth)
        assert r.status_code == 403, (url, r.text)
    assert assist_endpoint.requests == []


async def test_cross_account_on_every_route(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant,
    assist_endpoint: StandIn,
) -> None:  # fmt: skip
    await use_assist(hub, tenant.account, assist_endpoint)
    await use_assist(hub, other_tenant.account, assist_endpoint)
    theirs = await _conversation(client, other_tenant, "Their private question about money")
    for url, body in _routes(theirs)[:3]:
        r = await client.post(url, json=body, headers=tenant.auth)
        assert r.status_code == 404, (url, r.text)
    assert assist_endpoint.requests == []
    # the translate route uses the caller's own setting: an account without one gets 409
    third = await client.patch("/api/v1/account", json={"assist": None}, headers=other_tenant.auth)
    assert third.status_code == 200
    url, body = _routes(theirs)[3]
    r = await client.post(url, json=body, headers=other_tenant.auth)
    assert r.status_code == 409


async def test_routes_answer_audit_and_count(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn
) -> None:
    account = await use_assist(hub, tenant.account, assist_endpoint)
    assert account.id is not None
    for name in ("shipping", "refund", "vip"):
        await labels.create_label(account.id, name, None, "")
    conversation_id = await _conversation(
        client, tenant, "My parcel never came, I want my money back"
    )
    routes = _routes(conversation_id)
    assist_endpoint.answer(
        Answer(text="First draft.\n---\nSecond draft.", usage=False),
        "The customer wants a refund for a lost parcel. Nothing done yet. Open: the refund.",
        '{"labels": ["Refund", "shipping", "urgent", "billing"]}',
        "Hello, where is my parcel?",
    )
    r = await client.post(routes[0][0], headers=tenant.auth)
    assert r.json() == {"suggestions": [{"text": "First draft."}, {"text": "Second draft."}]}
    r = await client.post(routes[1][0], headers=tenant.auth)
    assert r.json()["summary"].startswith("The customer wants a refund")
    r = await client.post(routes[2][0], headers=tenant.auth)
    assert r.json() == {"labels": ["refund", "shipping"]}  # urgent, billing: not the account's
    assert assist_endpoint.last.body["response_format"] == {"type": "json_object"}
    assert "refund" in assist_endpoint.last.messages[0]["content"]
    r = await client.post(routes[3][0], json=routes[3][1], headers=tenant.auth)
    assert r.json() == {"text": "Hello, where is my parcel?", "from": "fr"}
    events = await AuditEvent.find(
        AuditEvent.account_id == account.id, AuditEvent.action == "assist.used"
    ).to_list()
    assert sorted(e.details["feature"] for e in events) == [
        "labels",
        "suggest",
        "summarize",
        "translate",
    ]
    suggest = next(e for e in events if e.details["feature"] == "suggest")
    assert suggest.details["tokens_estimated"] is True and suggest.details["tokens_in"] > 0
    assert suggest.target == f"conversation:{conversation_id}"
    summary = next(e for e in events if e.details["feature"] == "summarize")
    assert (summary.details["tokens_in"], summary.details["tokens_out"]) == (120, 30)
    usage = await assist_store.month_usage(account.id, events[0].at.strftime("%Y-%m"))
    assert usage.uses == 4 and usage.estimated_uses == 1
    assert usage.by_feature == {"suggest": 1, "summarize": 1, "labels": 1, "translate": 1}
    assert usage.tokens_in >= 3 * 120


async def test_endpoint_down_is_a_readable_502(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, assist_endpoint: StandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    await use_assist(hub, tenant.account, assist_endpoint)
    conversation_id = await _conversation(client, tenant, "Hello, can you help me?")
    url = f"/api/v1/conversations/{conversation_id}/assist/summary"
    assist_endpoint.answer(Answer(status=503, error={"message": "model is loading"}))
    r = await client.post(url, headers=tenant.auth)
    assert r.status_code == 502
    assert r.json()["error"] == {
        "code": "assist_unavailable",
        "message": "the model endpoint answered 503 Service Unavailable: model is loading",
    }
    assist_endpoint.answer(Answer(status=401, error="bad key sk-test-secret-123 for you"))
    r = await client.post(
        f"/api/v1/conversations/{conversation_id}/assist/suggestions", headers=tenant.auth
    )
    assert (
        r.status_code == 502
        and "401 Unauthorized: bad key (the API key) for you" in r.json()["error"]["message"]
    )
    monkeypatch.setattr(assist_client, "TIMEOUT", httpx.Timeout(0.2))
    assist_endpoint.answer(Answer(delay=1.0))
    r = await client.post(url, headers=tenant.auth)
    assert r.status_code == 502 and "timed out" in r.json()["error"]["message"]
    # nothing listens there
    account = await Account.get(tenant.account.id)
    assert account is not None and account.assist is not None
    gone = dataclasses.replace(assist_endpoint, base_url="http://127.0.0.1:9/v1")
    await use_assist(hub, account, gone)
    r = await client.post(url, headers=tenant.auth)
    assert r.status_code == 502 and "cannot be reached" in r.json()["error"]["message"]
