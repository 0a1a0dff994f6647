"""Push subscriptions: the key, subscribing and unsubscribing, refused input, other users and accounts."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.inbox.push import Malformed, check_endpoint
from hub.integrations import vapid
from hub.models import AuditEvent, User
from hub.models.push import PUSH_KINDS, PushSubscription
from hub.store import push as store
from hub.store import users as user_store
from hub.tenants import users
from tests.conftest import Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, session_client
from tests.push.conftest import PushService, b64, subscribe, unb64

ROOT = Path(__file__).resolve().parents[2]


async def test_the_key_is_a_p256_point_kept_in_the_data_directory(
    running: Running, client: httpx.AsyncClient
) -> None:
    r = await client.get("/inbox/push/key")
    assert r.status_code == 200
    point = unb64(r.json()["public_key"])
    assert len(point) == 65 and point[0] == 4
    path = running.hub.settings.data_dir / vapid.FILE_NAME
    assert path.stat().st_mode & 0o777 == 0o600
    assert (await client.get("/inbox/push/key")).json() == r.json()


def test_processes_starting_together_make_one_key(tmp_path: Path) -> None:
    """Six processes ask for the key of an empty directory at once: they all get the same."""
    code = (
        "import sys; from pathlib import Path; from hub.integrations import vapid; "
        "print(vapid.public_key(Path(sys.argv[1])))"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and all(keys)
    assert [p.name for p in tmp_path.iterdir()] == [vapid.FILE_NAME]  # no temp file left
    assert vapid.public_key(tmp_path) in keys


async def test_subscribe_and_unsubscribe(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    push_service: PushService,
) -> None:
    phone = push_service.subscriber("phone")
    r = await subscribe(signed_in, phone.json())
    assert r.status_code == 201, r.text
    assert r.json()["device"] == "Firefox on Android" and r.json()["kinds"] == list(PUSH_KINDS)
    assert tenant.account.id is not None and agent.id is not None
    [stored] = await store.devices(tenant.account.id, agent.id)
    assert (stored.endpoint, stored.p256dh) == (phone.endpoint, phone.p256dh)
    again = await subscribe(signed_in, phone.json())  # the same browser again: one device
    assert again.status_code == 201 and len(await store.devices(tenant.account.id, agent.id)) == 1

    page = await signed_in.get("/inbox/me")
    assert "Firefox on Android" in page.text
    token = csrf_of(page.text)
    gone = await signed_in.request(
        "DELETE",
        "/inbox/push/subscriptions",
        json={"endpoint": phone.endpoint},
        headers={"X-CSRF-Token": token},
    )
    assert gone.status_code == 204
    assert await store.devices(tenant.account.id, agent.id) == []
    twice = await signed_in.request(
        "DELETE",
        "/inbox/push/subscriptions",
        json={"endpoint": phone.endpoint},
        headers={"X-CSRF-Token": token},
    )
    assert twice.status_code == 404
    logged = await AuditEvent.find({"account_id": tenant.account.id}).to_list()
    actions = sorted(e.action for e in logged if e.action.startswith("push."))
    assert actions == ["push.device_added", "push.device_added", "push.device_removed"]


async def test_subscribing_needs_a_session_and_the_csrf_token(
    running: Running, signed_in: httpx.AsyncClient, push_service: PushService
) -> None:
    body = push_service.subscriber("x").json()
    assert (await signed_in.post("/inbox/push/subscriptions", json=body)).status_code == 403
    assert (await running.client.post("/inbox/push/subscriptions", json=body)).status_code == 401


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"endpoint": None}, "endpoint"),
        ({"endpoint": "ftp://push.example/x"}, "https"),
        ({"endpoint": "http://push.example.com/x"}, "https"),
        ({"endpoint": "https://10.1.2.3/push/x"}, "private"),
        ({"endpoint": "https://169.254.169.254/push/x"}, "link-local"),
        ({"keys": None}, "keys"),
        ({"keys": {"p256dh": "AAAA", "auth": "AAAAAAAAAAAAAAAAAAAAAA"}}, "p256dh"),
        ({"keys": {"p256dh": b64(b"\x04" + b"\x01" * 64), "auth": "x"}}, "p256dh"),
        ({"keys": "auth"}, "keys"),
    ],
)
async def test_a_malformed_subscription_is_refused_with_a_reason(
    signed_in: httpx.AsyncClient, push_service: PushService, change: dict[str, object], reason: str
) -> None:
    body = {**push_service.subscriber("bad").json(), **change}
    r = await subscribe(signed_in, body)
    assert r.status_code == 400, r.text
    assert reason in r.json()["error"]["message"]


async def test_bad_auth_secret_and_non_json_bodies(
    signed_in: httpx.AsyncClient, push_service: PushService
) -> None:
    body = push_service.subscriber("bad").json()
    body["keys"]["auth"] = b64(b"short")
    assert "auth" in (await subscribe(signed_in, body)).json()["error"]["message"]
    assert (await subscribe(signed_in, ["not", "an", "object"])).status_code == 400
    assert (await subscribe(signed_in, {"x": "y" * 5000})).status_code == 413


async def test_plain_http_goes_only_to_loopback_and_only_when_the_tests_say_so() -> None:
    with pytest.raises(Malformed, match="https"):
        await check_endpoint("http://127.0.0.1:9/push/a", http_loopback=False)
    with pytest.raises(Malformed, match="https"):
        await check_endpoint("http://push.example.com/push/a", http_loopback=True)
    assert await check_endpoint("http://127.0.0.1:9/push/a", http_loopback=True)


async def test_other_users_and_accounts_cannot_touch_a_device(
    running: Running,
    tenant: Tenant,
    other_tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    push_service: PushService,
) -> None:
    phone = push_service.subscriber("phone")
    assert (await subscribe(signed_in, phone.json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    [device] = await store.devices(tenant.account.id, agent.id)
    colleague = await add_user(tenant, "bo@acme.test")
    stranger = await add_user(other_tenant, "eve@globex.test", "admin")
    for user in (colleague, stranger):
        async with session_client(running, user) as other:
            page = await other.get("/inbox/me")
            assert "Firefox on Android" not in page.text
            token = csrf_of(page.text)
            r = await other.request(
                "DELETE",
                "/inbox/push/subscriptions",
                json={"endpoint": phone.endpoint},
                headers={"X-CSRF-Token": token},
            )
            assert r.status_code == 404
            await other.post(
                f"/inbox/me/devices/{device.id}/kinds", data={"csrf": token, "kinds": "sla"}
            )
            await other.post(f"/inbox/me/devices/{device.id}/remove", data={"csrf": token})
    [still] = await store.devices(tenant.account.id, agent.id)
    assert still.kinds == list(PUSH_KINDS)


async def test_my_account_turns_kinds_off_and_removes_a_device(
    tenant: Tenant, agent: User, signed_in: httpx.AsyncClient, push_service: PushService
) -> None:
    assert (await subscribe(signed_in, push_service.subscriber("p").json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    [device] = await store.devices(tenant.account.id, agent.id)
    page = await signed_in.get("/inbox/me")
    token = csrf_of(page.text)
    assert "Turn on notifications on this device" in page.text
    r = await signed_in.post(
        f"/inbox/me/devices/{device.id}/kinds",
        data={"csrf": token, "kinds": ["assigned", "mention", "bogus"]},
    )
    assert r.status_code == 303
    page = await signed_in.get("/inbox/me")
    assert "Notifications for this device were saved." in page.text
    [device] = await store.devices(tenant.account.id, agent.id)
    assert device.kinds == ["assigned", "mention"]
    r = await signed_in.post(f"/inbox/me/devices/{device.id}/remove", data={"csrf": token})
    assert r.status_code == 303
    assert "The device was removed" in (await signed_in.get("/inbox/me")).text
    assert await store.devices(tenant.account.id, agent.id) == []


async def test_a_deactivated_users_devices_are_deleted(
    tenant: Tenant, agent: User, signed_in: httpx.AsyncClient, push_service: PushService
) -> None:
    assert (await subscribe(signed_in, push_service.subscriber("p").json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    assert await PushSubscription.find_one({"user_id": agent.id}) is not None
    await users.update_user(tenant.account, agent, {"active": False})
    assert await store.devices(tenant.account.id, agent.id) == []


def test_no_key_file_in_the_repository() -> None:
    assert not (ROOT / vapid.FILE_NAME).exists()
    assert os.environ.get("PARLEY_PUSH_HTTP_LOOPBACK") is None


async def test_the_retention_purge_forgets_devices_unused_for_half_a_year(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    push_service: PushService,
) -> None:
    from hub.tenants import retention

    for name in ("old", "used"):
        r = await subscribe(signed_in, push_service.subscriber(name).json())
        assert r.status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=retention.DEVICE_DAYS + 1)
    used = await PushSubscription.find_one({"endpoint": push_service.subscribers["used"].endpoint})
    assert used is not None
    await used.set({"last_used_at": later - dt.timedelta(days=1)})
    preview = await retention.purge_account(running.hub, tenant.account, later, dry_run=True)
    assert (
        preview["push_devices"] == 1 and len(await store.devices(tenant.account.id, agent.id)) == 2
    )
    counts = await retention.purge_account(running.hub, tenant.account, later)
    assert counts["push_devices"] == 1
    [kept] = await store.devices(tenant.account.id, agent.id)
    assert kept.endpoint == push_service.subscribers["used"].endpoint


async def test_signing_out_removes_the_device_this_browser_subscribed(
    running: Running,
    tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    push_service: PushService,
) -> None:
    here, there = push_service.subscriber("here"), push_service.subscriber("there")
    assert (await subscribe(signed_in, here.json())).status_code == 201
    async with session_client(running, agent) as elsewhere:
        assert (await subscribe(elsewhere, there.json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    page = await signed_in.get("/inbox/me")
    r = await signed_in.post("/logout", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    [left] = await store.devices(tenant.account.id, agent.id)
    assert left.endpoint == there.endpoint


async def test_a_browser_subscribed_by_someone_else_becomes_theirs(
    running: Running,
    tenant: Tenant,
    other_tenant: Tenant,
    agent: User,
    signed_in: httpx.AsyncClient,
    push_service: PushService,
) -> None:
    shared = push_service.subscriber("shared")
    assert (await subscribe(signed_in, shared.json())).status_code == 201
    assert tenant.account.id is not None and agent.id is not None
    [mine] = await store.devices(tenant.account.id, agent.id)
    await store.set_kinds(tenant.account.id, agent.id, mine.id, ["sla"])  # type: ignore[arg-type]
    stranger = await add_user(other_tenant, "eve@globex.test")
    async with session_client(running, stranger) as there:
        assert (await subscribe(there, shared.json())).status_code == 201
    assert await store.devices(tenant.account.id, agent.id) == []
    assert other_tenant.account.id is not None and stranger.id is not None
    [theirs] = await store.devices(other_tenant.account.id, stranger.id)
    assert theirs.id == mine.id and theirs.kinds == list(PUSH_KINDS)  # not the last one's choice


async def test_the_device_is_named_in_the_readers_language(
    tenant: Tenant, agent: User, signed_in: httpx.AsyncClient, push_service: PushService
) -> None:
    assert (await subscribe(signed_in, push_service.subscriber("p").json())).status_code == 201
    assert "Firefox on Android" in (await signed_in.get("/inbox/me")).text
    assert tenant.account.id is not None and agent.id is not None
    await user_store.set_preferences(tenant.account.id, agent.id, "da", None)
    page = (await signed_in.get("/inbox/me")).text
    assert "Firefox på Android" in page and "Slå notifikationer til på denne enhed" in page
