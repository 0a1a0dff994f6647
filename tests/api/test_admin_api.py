"""The account's administration through the API: settings, users, channels and the audit log."""

from __future__ import annotations

import httpx

from hub.models import Channel, User
from hub.pipeline.services import Hub
from hub.tenants import accounts
from tests.conftest import Tenant
from tests.core.helpers import post_webhook


async def test_account_settings(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    got = (await client.get("/api/v1/account", headers=tenant.auth)).json()
    assert (got["id"], got["plan"], got["seats"], got["seats_used"]) == (
        str(tenant.account.id),
        "HUB",
        3,
        0,
    )
    patch = {
        "timezone": "Europe/Copenhagen",
        "business_hours": {"mon": [["09:00", "17:00"]], "sat": []},
        "holidays": ["2026-12-24"],
        "crm_url_template": "https://crm.example/search?phone={phone}",
        "retention": {"conversations_days": 365},
        "csat": {"enabled": True, "question": "Happy?"},
    }
    r = await client.patch("/api/v1/account", json=patch, headers=tenant.auth)
    assert r.status_code == 200, r.text
    assert r.json()["timezone"] == "Europe/Copenhagen" and r.json()["holidays"] == ["2026-12-24"]
    assert r.json()["retention"] == {
        "conversations_days": 365,
        "callback_notes_days": None,
        "activity_days": 30,
    }
    for bad, field in (
        ({"seats": 10}, "seats"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"business_hours": {"mon": [["17:00", "09:00"]]}}, "business_hours"),
        ({"crm_url_template": "javascript:alert(1)"}, "crm_url_template"),
        ({"holidays": ["soon"]}, "holidays"),
    ):
        r = await client.patch("/api/v1/account", json=bad, headers=tenant.auth)
        assert r.status_code == 400 and field in r.json()["error"]["message"], (bad, r.text)
    other = (await client.get("/api/v1/account", headers=other_tenant.auth)).json()
    assert other["timezone"] == "UTC"
    log = (
        await client.get(
            "/api/v1/audit_events?action=account.settings_changed", headers=tenant.auth
        )
    ).json()["data"]
    assert len(log) == 1 and log[0]["actor"]["type"] == "api_key"
    assert (
        log[0]["actor"]["id"]
        and log[0]["ip"]
        and log[0]["target"] == f"account:{tenant.account.id}"
    )


async def test_users(client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant) -> None:
    made = []
    for n in range(3):
        r = await client.post("/api/v1/users", json={"email": f"a{n}@acme.test", "password": "password1"},
                              headers=tenant.auth)  # fmt: skip
        made.append(r.json()["id"])
    one = f"/api/v1/users/{made[0]}"
    assert (await client.get(one, headers=tenant.auth)).json()["email"] == "a0@acme.test"
    assert (await client.get(one, headers=other_tenant.auth)).status_code == 404
    assert (
        await client.patch(one, json={"name": "X"}, headers=other_tenant.auth)
    ).status_code == 404
    r = await client.patch(
        one, json={"active": False, "capacity": 4, "name": "Ann"}, headers=tenant.auth
    )
    assert r.status_code == 200 and (r.json()["active"], r.json()["capacity"]) == (False, 4)
    await client.post(
        "/api/v1/users",
        json={"email": "a3@acme.test", "password": "password1"},
        headers=tenant.auth,
    )
    r = await client.patch(one, json={"active": True}, headers=tenant.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (402, "seat_limit")
    assert (await User.get(made[0])).active is False  # type: ignore[union-attr]
    r = await client.patch(one, json={"role": "admin"}, headers=tenant.auth)
    assert r.status_code == 400
    r = await client.patch(one, json={"role": "dashboard", "active": True}, headers=tenant.auth)
    assert r.status_code == 200 and r.json()["role"] == "dashboard"  # no seat needed
    log = (await client.get("/api/v1/audit_events", headers=tenant.auth)).json()["data"]
    assert {e["action"] for e in log} >= {"user.created", "user.deactivated", "user.reactivated"}
    assert all(e["actor"]["type"] == "api_key" for e in log if e["action"].startswith("user."))


async def test_channels(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    one = f"/api/v1/channels/{tenant.channel.id}"
    got = (await client.get(one, headers=tenant.auth)).json()
    assert got["config"]["secret"] == "(set)" and "s3cret" not in str(got)
    assert (await client.get(one, headers=other_tenant.auth)).status_code == 404
    r = await client.patch(one, json={"config": {"api_base_url": 5}}, headers=tenant.auth)
    assert r.status_code == 400 and "api_base_url" in r.json()["error"]["message"]
    r = await client.patch(one, json={"default_team_id": "0" * 24}, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_team"
    # An empty secret keeps the stored one; deactivating refuses webhooks and sends.
    r = await client.patch(one, json={"name": "Renamed", "active": False, "config": {"secret": ""}},
                           headers=tenant.auth)  # fmt: skip
    assert r.status_code == 200 and (r.json()["name"], r.json()["active"]) == ("Renamed", False)
    stored = await Channel.get(tenant.channel.id)
    assert stored is not None and stored.config["secret"].startswith("enc:")  # sealed at rest
    assert hub.cipher.open_config(stored.config)["secret"] == "s3cret"
    refused = await post_webhook(client, tenant, [{"id": "m1", "from": "+451", "text": "hi"}])
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "channel_inactive")
    r = await client.post("/api/v1/messages", json={"channel_id": str(tenant.channel.id), "to": "+451", "text": "x"},
                          headers=tenant.auth)  # fmt: skip
    assert r.status_code == 404
    r = await client.patch(one, json={"active": True}, headers=tenant.auth)
    assert (
        await post_webhook(client, tenant, [{"id": "m2", "from": "+451", "text": "hi"}])
    ).status_code == 200


async def test_audit_filters(client: httpx.AsyncClient, tenant: Tenant) -> None:
    key_id = (await accounts.list_keys(tenant.account.id))[0].id  # type: ignore[arg-type]
    await client.patch("/api/v1/account", json={"timezone": "Europe/Paris"}, headers=tenant.auth)
    by_key = (
        await client.get(f"/api/v1/audit_events?actor_id={key_id}", headers=tenant.auth)
    ).json()["data"]
    assert [e["action"] for e in by_key] == ["account.settings_changed"]
    r = await client.get("/api/v1/audit_events?from=2026-13-01", headers=tenant.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_date")
    r = await client.get("/api/v1/audit_events?from=2020-01-01&to=2020-01-31", headers=tenant.auth)
    assert r.json()["data"] == []
    # A write without its own event is still audited, as api.write.
    await client.post(
        "/api/v1/contacts", json={"name": "Bo", "email": "bo@x.test"}, headers=tenant.auth
    )
    writes = (
        await client.get("/api/v1/audit_events?action=api.write", headers=tenant.auth)
    ).json()["data"]
    assert writes and writes[0]["details"]["path"] == "/api/v1/contacts"


async def test_webhook_url_refused_by_the_core(client: httpx.AsyncClient, tenant: Tenant) -> None:
    body = {"url": "https://hooks.example/a b", "events": ["message.created"]}
    r = await client.post("/api/v1/webhooks", json=body, headers=tenant.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_url")
