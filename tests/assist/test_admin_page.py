"""The /admin assist form: save, the key write-only, a refused host, the connection test,
this month's usage; an agent cannot reach it, another account's admin sees their own."""

from __future__ import annotations

import logging

import pytest

from hub.models import Account
from hub.pipeline.services import Hub
from tests.assist.standin import Answer, StandIn
from tests.conftest import Running, Tenant, make_tenant
from tests.inbox.conftest import add_user, csrf_of, session_client

KEY = "sk-admin-form-secret-777"


async def test_admin_sets_tests_and_sees_usage(
    running: Running, hub: Hub, tenant: Tenant, assist_endpoint: StandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.DEBUG)
    admin = await add_user(tenant, "boss@acme.test", "admin")
    async with session_client(running, admin) as client:
        page = await client.get("/admin/assist")
        assert page.status_code == 200 and "Test connection" not in page.text
        form = {
            "csrf": csrf_of(page.text), "enabled": "on", "base_url": assist_endpoint.base_url,
            "model": "llama3.2", "api_key": KEY, "suggest": "on", "translate": "on",
            "agent_language": "da",
        }  # fmt: skip
        r = await client.post("/admin/assist", data=form)
        assert r.status_code == 303, r.text
        page = await client.get("/admin/assist")
        assert "Assist settings saved." in page.text and KEY not in page.text
        account = await Account.get(tenant.account.id)
        assert account is not None and account.assist is not None
        assert account.assist.features.model_dump() == {
            "suggest": True, "summarize": False, "translate": True, "labels": False,
        }  # fmt: skip
        assert account.assist.agent_language == "da"
        # saved again without a key: the stored one stays
        r = await client.post("/admin/assist", data={**form, "api_key": ""})
        assert r.status_code == 303
        # the connection test shows the endpoint's answer, then its exact error
        assist_endpoint.answer("The connection works.")
        r = await client.post("/admin/assist/test", data={"csrf": form["csrf"]})
        assert r.status_code == 200 and "The connection works." in r.text
        assert assist_endpoint.last.headers["authorization"] == f"Bearer {KEY}"
        assist_endpoint.answer(Answer(status=404, error={"message": "model 'llama3.2' not found"}))
        r = await client.post("/admin/assist/test", data={"csrf": form["csrf"]})
        assert "answered 404 Not Found: model &#39;llama3.2&#39; not found" in r.text
        # this month's usage counts the tests
        page = await client.get("/admin/assist")
        assert '<td class="num" id="usage-uses">1</td>' in page.text  # the failed one is not a use
        # a private endpoint is refused with the reason, and nothing is stored
        r = await client.post("/admin/assist", data={**form, "base_url": "http://10.0.0.8/v1"})
        assert r.status_code == 400 and "private address" in r.text
        account = await Account.get(tenant.account.id)
        assert account is not None and account.assist is not None
        assert account.assist.base_url == assist_endpoint.base_url
    assert KEY not in caplog.text


async def test_agents_and_other_accounts(running: Running, hub: Hub, tenant: Tenant) -> None:
    agent = await add_user(tenant, "agent@acme.test", "agent")
    async with session_client(running, agent) as client:
        assert (await client.get("/admin/assist")).status_code == 403
    other = await make_tenant(hub, "Globex")
    boss = await add_user(other, "boss@globex.test", "admin")
    async with session_client(running, boss) as client:
        page = await client.get("/admin/assist")
        form = {
            "csrf": csrf_of(page.text),
            "base_url": "https://models.globex.test/v1",
            "model": "m",
        }
        assert (await client.post("/admin/assist", data=form)).status_code == 303
    mine = await Account.get(tenant.account.id)
    assert mine is not None and mine.assist is None
