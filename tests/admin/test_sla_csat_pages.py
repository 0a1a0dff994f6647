"""Admin pages for SLA policies (PRO; 402 on HUB) and the CSAT survey; another account's ids 404."""

from __future__ import annotations

import httpx

from hub.models import Account, SlaPolicy
from hub.pipeline.services import Hub
from tests.conftest import Running, Tenant, make_tenant
from tests.inbox.conftest import add_user, csrf_of, session_client


async def admin_client(running: Running, tenant: Tenant, email: str) -> httpx.AsyncClient:
    return session_client(running, await add_user(tenant, email, "admin"))


async def test_admin_adds_and_deletes_a_policy(running: Running, hub: Hub) -> None:
    tenant = await make_tenant(hub, "Pro Co", plan="PRO")
    async with await admin_client(running, tenant, "admin@pro.test") as client:
        page = await client.get("/admin/sla")
        assert page.status_code == 200 and "Add a policy" in page.text
        form = {
            "csrf": csrf_of(page.text),
            "name": "Gold",
            "first_response_minutes": "15",
            "resolution_minutes": "480",
            "priorities": "urgent",
            "channel_ids": str(tenant.channel.id),
        }
        r = await client.post("/admin/sla", data=form)
        assert r.status_code == 303 and r.headers["location"] == "/admin/sla"
        shown = await client.get(r.headers["location"])
        assert "Policy Gold added." in shown.text and "15 min" in shown.text
        [policy] = await SlaPolicy.find({"account_id": tenant.account.id}).to_list()
        assert policy.applies_to.priorities == ["urgent"]

        bad = await client.post("/admin/sla", data={**form, "first_response_minutes": "0"})
        assert bad.status_code == 400 and "first_response_minutes" in bad.text
        hours = await client.post(
            "/admin/sla", data={**form, "name": "Hours", "business_hours_only": "on"}
        )
        assert hours.status_code == 400 and "business_hours_only" in hours.text
        assert await SlaPolicy.find({"account_id": tenant.account.id}).count() == 1

        other = await make_tenant(hub, "Other Pro", plan="PRO")
        async with await admin_client(running, other, "admin@other.test") as stranger:
            token = csrf_of((await stranger.get("/admin/sla")).text)
            r = await stranger.post(f"/admin/sla/{policy.id}/delete", data={"csrf": token})
            assert r.status_code == 404
        r = await client.post(f"/admin/sla/{policy.id}/delete", data={"csrf": form["csrf"]})
        assert r.status_code == 303
        assert await SlaPolicy.find({"account_id": tenant.account.id}).count() == 0


async def test_sla_pages_on_hub_say_pro_is_needed(running: Running, tenant: Tenant) -> None:
    async with await admin_client(running, tenant, "admin@hub.test") as client:
        for path in ("/admin/sla", "/inbox/reports/sla"):
            r = await client.get(path)
            assert r.status_code == 402, path
            assert "PRO plan" in r.text


async def test_sla_report_page_is_for_supervisors(running: Running, hub: Hub) -> None:
    tenant = await make_tenant(hub, "Pro Co", plan="PRO")
    agent = session_client(running, await add_user(tenant, "agent@pro.test", "agent"))
    supervisor = session_client(running, await add_user(tenant, "sup@pro.test", "supervisor"))
    async with agent, supervisor:
        assert (await agent.get("/inbox/reports/sla")).status_code == 403
        page = await supervisor.get("/inbox/reports/sla?from=2026-03-01&to=2026-03-07")
        assert page.status_code == 200 and "SLA report" in page.text
        csv = await supervisor.get("/inbox/reports/sla?from=2026-03-01&to=2026-03-07&format=csv")
        assert csv.text.startswith("policy_id,policy_name,kind,met,breached,open_at_risk")
        bad = await supervisor.get("/inbox/reports/sla?from=yesterday")
        assert bad.status_code == 400 and "from" in bad.text
        csat_page = await supervisor.get("/inbox/reports/csat")
        assert csat_page.status_code == 200 and "No answers in this period." in csat_page.text


async def test_admin_turns_the_survey_on(running: Running, tenant: Tenant) -> None:
    async with await admin_client(running, tenant, "admin@acme.test") as client:
        page = await client.get("/admin/csat")
        form = {"csrf": csrf_of(page.text), "enabled": "on", "question": "Happy with us?"}
        r = await client.post("/admin/csat", data=form)
        assert r.status_code == 303
        assert "Survey on" in (await client.get(r.headers["location"])).text
        stored = await Account.get_pymongo_collection().find_one({"_id": tenant.account.id})
        assert stored is not None
        assert stored["csat"] == {"enabled": True, "question": "Happy with us?"}
        long = await client.post("/admin/csat", data={**form, "question": "x" * 301})
        assert long.status_code == 400 and "300" in long.text
