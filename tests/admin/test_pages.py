"""/admin without a browser: the gate, every page, the plan rules, users, channels, keys, audit."""

from __future__ import annotations

import httpx

from hub.models import (
    ApiKey,
    AuditEvent,
    CannedResponse,
    Channel,
    Team,
    UsageEvent,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.conftest import Running, Tenant
from tests.inbox.conftest import PASSWORD, add_user, csrf_of, session_client, sign_in

PAGES = ["/admin", "/admin/plan", "/admin/users", "/admin/channels", "/admin/channels/new?type=test",
         "/admin/canned", "/admin/settings", "/admin/keys", "/admin/webhooks", "/admin/bots",
         "/admin/audit", "/admin/usage"]  # fmt: skip


async def _csrf(client: httpx.AsyncClient, path: str = "/admin") -> str:
    return csrf_of((await client.get(path)).text)


async def test_gate(running: Running, tenant: Tenant, as_admin: httpx.AsyncClient) -> None:
    for path in PAGES:
        r = await as_admin.get(path)
        assert r.status_code == 200, (path, r.text[:300])
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert 'aria-label="Admin"' in r.text
    agent = session_client(running, await add_user(tenant, "ag@acme.test", "agent"))
    r = await agent.get("/admin/users")
    assert r.status_code == 403 and "needs the admin role" in r.text
    wall = session_client(running, await add_user(tenant, "wall@acme.test", "dashboard"))
    for path in ("/inbox", "/admin"):
        r = await wall.get(path)
        assert (
            r.status_code == 403
            and "only the wallboard" in r.text
            and 'href="/wallboard"' in r.text
        )
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    assert (await anonymous.get("/admin")).status_code == 303
    # CSRF on every form.
    r = await as_admin.post("/admin/keys", data={"name": "x"})
    assert r.status_code == 403 and await ApiKey.find(ApiKey.name == "x").count() == 0
    for c in (agent, wall, anonymous):
        await c.aclose()


async def test_other_accounts_ids_are_not_found(
    running: Running, tenant: Tenant, other_tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    theirs = await add_user(other_tenant, "them@globex.test", "agent")
    csrf = await _csrf(as_admin)
    key = (await ApiKey.find(ApiKey.account_id == other_tenant.account.id).to_list())[0]
    for path in (
        f"/admin/users/{theirs.id}",
        f"/admin/channels/{other_tenant.channel.id}",
        "/admin/users/nope",
    ):
        assert (await as_admin.get(path)).status_code == 404, path
    for path, data in (
        (f"/admin/users/{theirs.id}/active", {"active": "false"}),
        (f"/admin/channels/{other_tenant.channel.id}/active", {"active": "false"}),
        (f"/admin/keys/{key.id}/revoke", {}),
        (f"/admin/users/{theirs.id}/sessions", {}),
    ):
        r = await as_admin.post(path, data={**data, "csrf": csrf})
        assert r.status_code == 404, (path, r.text[:200])
    assert (await User.get(theirs.id)).active  # type: ignore[union-attr]
    assert (await Channel.get(other_tenant.channel.id)).active  # type: ignore[union-attr]
    assert not (await ApiKey.get(key.id)).revoked  # type: ignore[union-attr]


async def test_seats_users_and_sessions(
    running: Running, tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    csrf = await _csrf(as_admin)
    for n in (1, 2):
        r = await as_admin.post("/admin/users", data={"csrf": csrf, "email": f"a{n}@acme.test", "role": "agent",
                                                      "password": "password1"})  # fmt: skip
        assert r.status_code == 303, r.text
    page = await as_admin.get("/admin/users")
    assert "3 of 3 seats used" in page.text
    r = await as_admin.post("/admin/users", data={"csrf": csrf, "email": "a3@acme.test", "role": "agent",
                                                  "password": "password1"})  # fmt: skip
    assert (
        r.status_code == 402
        and "All 3 seats are taken" in r.text
        and 'value="a3@acme.test"' in r.text
    )
    # A dashboard user takes no seat; a set-password link is shown once.
    r = await as_admin.post("/admin/users", data={"csrf": csrf, "email": "wall@acme.test", "role": "dashboard",
                                                  "by_link": "on"})  # fmt: skip
    assert r.status_code == 200 and "/set-password/" in r.text
    link = r.text.split('id="password-link">')[1].split("<")[0]
    path = link.replace(running.hub.public_url, "")
    public = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    form = await public.get(path)
    done = await public.post(
        path, data={"csrf": csrf_of(form.text), "password": "new password", "again": "new password"}
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    signin = await public.get("/login")  # the sign-in page says it worked, once
    assert "Your password is set. Sign in with it." in signin.text
    assert "Your password is set" not in (await public.get("/login")).text
    assert (await public.get(path)).status_code == 410  # used once
    await public.aclose()

    # Deactivating ends the user's sessions: a replayed cookie is refused.
    user = await User.find_one(User.email == "a1@acme.test")
    assert user is not None
    theirs = session_client(running, user)
    assert (await theirs.get("/inbox")).status_code == 200
    r = await as_admin.post(
        f"/admin/users/{user.id}/active", data={"csrf": csrf, "active": "false"}
    )
    assert r.status_code == 303
    assert (await theirs.get("/inbox")).status_code == 303  # to /login
    r = await as_admin.post(f"/admin/users/{user.id}/active", data={"csrf": csrf, "active": "true"})
    assert r.status_code == 303  # the freed seat is free again
    again = session_client(running, (await User.get(user.id)))  # type: ignore[arg-type]
    assert (await again.get("/inbox")).status_code == 303  # the old version stays ended
    await theirs.aclose()
    await again.aclose()
    events = await AuditEvent.find({"action": "user.deactivated"}).to_list()
    assert events[0].actor.type == "user" and events[0].actor.name == "Bo Boss" and events[0].ip


async def test_plan_change_is_priced_then_confirmed(
    tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    csrf = await _csrf(as_admin)
    wanted = {"csrf": csrf, "plan": "PRO", "seats": "5", "addons": ["generic_api", "chatbot_api"]}
    shown = await as_admin.post("/admin/plan", data=wanted)
    assert (
        shown.status_code == 200
        and "Confirm the change" in shown.text
        and "€250.00 a month" in shown.text
    )
    assert (await tenant.account.get(tenant.account.id)).seats == 3  # type: ignore[union-attr]
    done = await as_admin.post("/admin/plan", data={**wanted, "confirm": "yes"})
    assert done.status_code == 303
    account = await tenant.account.get(tenant.account.id)
    assert account is not None and (account.plan, account.seats) == ("PRO", 5)
    r = await as_admin.post("/admin/plan", data={"csrf": csrf, "plan": "PRO", "seats": "5", "addons": ["generic_api"],
                                                 "confirm": "yes"})  # fmt: skip
    assert r.status_code == 303  # chatbot_api off
    r = await as_admin.post("/admin/plan", data={"csrf": csrf, "plan": "PRO", "seats": "5",
                                                 "addons": ["chatbot_api"], "confirm": "yes"})  # fmt: skip
    assert (
        r.status_code == 403
        and "generic_api add-on cannot be removed while chatbot_api is on" in r.text
    )
    r = await as_admin.post(
        "/admin/plan", data={"csrf": csrf, "plan": "HUB", "seats": "2", "confirm": "yes"}
    )
    assert r.status_code == 402 and "at least 3 seats" in r.text
    assert (await tenant.account.get(tenant.account.id)).seats == 5  # type: ignore[union-attr]


async def test_channels(running: Running, tenant: Tenant, as_admin: httpx.AsyncClient) -> None:
    csrf = await _csrf(as_admin)
    team = await Team(account_id=tenant.account.id, name="Support").insert()  # type: ignore[arg-type]
    form = await as_admin.get("/admin/channels/new?type=test")
    assert "€250" in form.text and 'name="config.secret"' in form.text and "Support" in form.text
    fees = await UsageEvent.find(UsageEvent.kind == "channel_activation").count()
    bad = await as_admin.post("/admin/channels", data={"csrf": csrf, "type": "test", "name": "",
                                                       "config.api_base_url": "x"})  # fmt: skip
    assert bad.status_code == 400 and "field-error" in bad.text
    assert await UsageEvent.find(UsageEvent.kind == "channel_activation").count() == fees
    ok = await as_admin.post("/admin/channels", data={"csrf": csrf, "type": "test", "name": "Line 2",
                                                      "default_team_id": str(team.id), "config.secret": "topsecret"})  # fmt: skip
    assert ok.status_code == 201 and "/webhooks/test/" in ok.text
    channel = await Channel.find_one(Channel.name == "Line 2")
    assert channel is not None and channel.default_team_id == str(team.id)
    page = await as_admin.get(f"/admin/channels/{channel.id}")
    assert "topsecret" not in page.text and "saved; leave empty to keep" in page.text
    r = await as_admin.post(
        f"/admin/channels/{channel.id}",
        data={"csrf": csrf, "name": "Line two", "config.secret": ""},
    )
    assert r.status_code == 303
    stored = await Channel.get(channel.id)
    assert stored is not None and stored.name == "Line two"
    # Sealed at rest; the empty field kept the stored secret.
    assert stored.config["secret"].startswith("enc:")
    assert running.hub.cipher.open_config(stored.config)["secret"] == "topsecret"
    r = await as_admin.post(
        f"/admin/channels/{channel.id}/active", data={"csrf": csrf, "active": "false"}
    )
    assert r.status_code == 303 and not (await Channel.get(channel.id)).active  # type: ignore[union-attr]


async def test_keys_audit_usage(
    running: Running, tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    csrf = await _csrf(as_admin)
    r = await as_admin.post("/admin/keys", data={"csrf": csrf, "name": "CRM sync"})
    key = r.text.split('id="new-key">')[1].split("<")[0]
    auth = {"Authorization": f"Bearer {key}"}
    assert (await running.client.get("/api/v1/account", headers=auth)).status_code == 200
    assert "CRM sync" in (await as_admin.get("/admin/keys")).text
    record = await ApiKey.find_one(ApiKey.name == "CRM sync")
    assert record is not None and record.last_used_at is not None
    r = await as_admin.post(f"/admin/keys/{record.id}/revoke", data={"csrf": csrf})
    assert r.status_code == 303
    assert (await running.client.get("/api/v1/account", headers=auth)).status_code == 401

    page = await as_admin.get("/admin/audit?action=apikey.revoked")
    assert "apikey.revoked" in page.text and "Bo Boss" in page.text
    csv_text = (await as_admin.get("/admin/audit?format=csv")).text
    assert csv_text.startswith("at,actor_type,actor_id,actor_name,ip,action,target,details")
    assert "apikey.created" in csv_text and key not in csv_text
    usage = await as_admin.get("/admin/usage")
    assert "Account activation" in usage.text and "Channel activation" in usage.text
    csv_usage = await as_admin.get("/admin/usage?format=csv")
    assert (
        csv_usage.headers["content-type"].startswith("text/csv")
        and "API activation" in csv_usage.text
    )
    assert (await as_admin.get("/admin/usage?month=nope")).status_code == 400


async def test_own_page_signs_out_other_sessions(
    running: Running, tenant: Tenant, admin: User
) -> None:
    here = session_client(running, admin)
    there = session_client(running, admin)
    page = await here.get("/inbox/me")
    r = await here.post("/inbox/me/sessions", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    assert (await here.get("/inbox/me")).status_code == 200
    assert (await there.get("/inbox/me")).status_code == 303
    # Sign-out ends every session: the cookie copied before stops working.
    copied = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    copied.cookies.update(here.cookies)
    page = await here.get("/inbox/me")
    assert (await here.post("/logout", data={"csrf": csrf_of(page.text)})).status_code == 303
    assert (await copied.get("/inbox")).status_code == 303
    for c in (here, there, copied):
        await c.aclose()


async def test_password_change_ends_other_sessions(
    running: Running, tenant: Tenant, admin: User
) -> None:
    here = session_client(running, admin)
    there = session_client(running, admin)
    page = await here.get("/inbox/me")
    wrong = await here.post("/inbox/me/password", data={"csrf": csrf_of(page.text), "current": "nope",
                                                        "password": "a new password"})  # fmt: skip
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    r = await here.post("/inbox/me/password", data={"csrf": csrf_of(page.text), "current": PASSWORD,
                                                    "password": "a new password"})  # fmt: skip
    assert r.status_code == 303
    assert (await here.get("/inbox/me")).status_code == 200
    assert (await there.get("/inbox")).status_code == 303
    # Sign-in with the new password works; a failed one is audited on the account.
    fresh = await sign_in(running, admin.email, "a new password")
    bad = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=running.app), base_url="http://hub.test"
    )
    form = await bad.get("/login")
    await bad.post(
        "/login", data={"email": admin.email, "password": "wrong", "csrf": csrf_of(form.text)}
    )
    actions = [
        e.action
        for e in await AuditEvent.find(AuditEvent.account_id == tenant.account.id).to_list()
    ]
    assert {"user.password_changed", "session.signed_in", "session.sign_in_failed"} <= set(actions)
    for c in (here, there, fresh, bad):
        await c.aclose()


async def test_settings_canned_webhooks_bots(
    running: Running, tenant: Tenant, other_tenant: Tenant, as_admin: httpx.AsyncClient
) -> None:
    csrf = await _csrf(as_admin)
    bad = await as_admin.post("/admin/settings", data={"csrf": csrf, "timezone": "Nowhere/Else",
                                                       "crm_url_template": "ftp://x"})  # fmt: skip
    assert bad.status_code == 400 and "IANA" in bad.text and "field-error" in bad.text
    good = {"csrf": csrf, "timezone": "Europe/Copenhagen", "crm_url_template": "https://crm.example/?p={phone}",
            "mon.from": "09:00", "mon.until": "17:00", "holidays": "2026-12-24\n2026-12-31"}  # fmt: skip
    assert (await as_admin.post("/admin/settings", data=good)).status_code == 303
    account = await tenant.account.get(tenant.account.id)
    assert account is not None and account.timezone == "Europe/Copenhagen"
    assert account.business_hours is not None and account.business_hours["mon"] == [
        ["09:00", "17:00"]
    ]
    assert account.business_hours["sun"] == [] and account.holidays == ["2026-12-24", "2026-12-31"]

    r = await as_admin.post(
        "/admin/canned", data={"csrf": csrf, "shortcut": "/hours", "text": "9-17"}
    )
    assert r.status_code == 303
    item = await CannedResponse.find_one(CannedResponse.account_id == tenant.account.id)
    assert item is not None
    r = await as_admin.post(
        f"/admin/canned/{item.id}", data={"csrf": csrf, "shortcut": "open", "text": "9-18"}
    )
    assert r.status_code == 303 and (await CannedResponse.get(item.id)).text == "9-18"  # type: ignore[union-attr]
    assert (
        await as_admin.post(
            f"/admin/canned/{item.id}", data={"csrf": csrf, "shortcut": "b a d", "text": "x"}
        )
    ).status_code == 400

    r = await as_admin.post("/admin/webhooks", data={"csrf": csrf, "url": "http://127.0.0.1:9/hook",
                                                     "events": ["message.created"]})  # fmt: skip
    assert r.status_code == 201 and 'id="signing-secret"' in r.text
    sub = await WebhookSubscription.find_one(WebhookSubscription.account_id == tenant.account.id)
    assert sub is not None
    delivery = await WebhookDelivery(account_id=tenant.account.id, target="subscription", target_id=sub.id,  # type: ignore[arg-type]
                                     event_key="k1", event_type="message.created", body="{}",
                                     status="failed").insert()  # fmt: skip
    log = await as_admin.get(f"/admin/webhooks/{sub.id}")
    assert "failed" in log.text and "Redeliver" in log.text
    r = await as_admin.post(
        f"/admin/webhooks/{sub.id}/deliveries/{delivery.id}/redeliver", data={"csrf": csrf}
    )
    assert r.status_code == 303
    again = await WebhookDelivery.get(delivery.id)
    # Queued again: pending (a refused connection only moves its due time on).
    assert again is not None and again.status == "pending"
    theirs = await WebhookSubscription(account_id=other_tenant.account.id, url="https://x.example", events=["message.created"],  # type: ignore[arg-type]
                                       secret="s").insert()  # fmt: skip
    assert (await as_admin.get(f"/admin/webhooks/{theirs.id}")).status_code == 404

    r = await as_admin.post("/admin/bots", data={"csrf": csrf, "name": "Faq", "webhook_url": "https://bot.example/",
                                                 "channel_ids": [str(tenant.channel.id)]})  # fmt: skip
    assert r.status_code == 403 and "chatbot_api" in r.text  # the add-on is missing


async def test_feedback_lives_in_the_session_not_the_address(
    running: Running, tenant: Tenant
) -> None:
    """A change's feedback is shown once after its redirect; text in the URL is never shown."""
    admin = await add_user(tenant, "boss@acme.test", "admin", "Boss")
    client = session_client(running, admin)
    forged = await client.get(
        "/admin/users", params={"done": "Your account is suspended. Call +45 1234"}
    )
    assert "Your account is suspended" not in forged.text
    csrf = csrf_of(forged.text)
    r = await client.post("/admin/users", data={"csrf": csrf, "email": "new@acme.test", "role": "agent", "by_link": "on"})  # fmt: skip
    r = await client.post("/admin/vip", data={"csrf": csrf, "addresses": "+4520123456"})
    assert "Saved: 1 VIP address." in r.text
    r = await client.post("/admin/csat", data={"csrf": csrf, "enabled": "on", "question": ""})
    assert r.status_code == 303 and r.headers["location"] == "/admin/csat"
    page = await client.get("/admin/csat")
    assert (
        '<p class="feedback" role="status">Survey on: sent when a conversation is resolved.</p>'
        in page.text
    )
    again = await client.get("/admin/csat")  # a reload does not repeat it
    assert "Survey on:" not in again.text
    await client.aclose()


def test_statement_lines_in_the_readers_language() -> None:
    """The core writes the statement's lines in English (the CSV, the CLI); the page says them
    in the reader's language, dates in its format, plan and add-on names as they are."""
    from hub.admin.usage import item_in_words
    from hub.web import i18n

    with i18n.speaking(i18n.Speech("da")):
        seats = item_in_words("PRO seats, 2026-12-07 to 2026-12-31 (25/31 days)")
        assert seats.startswith("PRO-pladser, ") and seats.endswith("(25 af 31 dage)"), seats
        assert " to " not in seats and "2026-12-07" not in seats
        addon = item_in_words("generic_api add-on, 2026-12-07 to 2026-12-31 (25/31 days)")
        assert addon.startswith("Tilvalget generic_api, "), addon
        assert item_in_words("Channel activation: Shop (webchat)") == (
            "Aktivering af kanal: Shop (webchat)"
        )
        assert item_in_words("API activation") != "API activation"
        assert item_in_words("Something new") == "Something new"
    with i18n.speaking(i18n.Speech("en")):
        assert item_in_words("PRO seats, 2026-12-07 to 2026-12-31 (25/31 days)").startswith(
            "PRO seats, "
        )
