"""SLA clocks against a real database with the clock under the test's control.

Breaches are found by ``sla.tick`` (what the app's loop calls every 15 s), recorded
once per clock, and sent as ``sla.breached`` once, even with two hub processes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.centre import changes as conversation_changes
from hub.centre import timers
from hub.centre.reports import live
from hub.centre.sla import clocks as sla
from hub.facts.activity import events_between
from hub.models import Account, Conversation, Sender, WebhookDelivery
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.api.conftest import eventually, serve
from tests.centre.conftest import set_hours
from tests.conftest import Clock, Tenant, make_tenant, start_app
from tests.core.helpers import inbound_conversation, post_webhook

UTC = dt.UTC
MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Sender(type="agent", id="agent-1", name="Ann")


async def pro(hub: Hub) -> Tenant:
    return await make_tenant(hub, "Pro Co", plan="PRO")


async def policy(client: httpx.AsyncClient, tenant: Tenant, **values: Any) -> dict[str, Any]:
    body = {"name": "Standard", **values}
    r = await client.post("/api/v1/sla_policies", json=body, headers=tenant.auth)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def breaches(tenant: Tenant) -> list[Any]:
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = dt.datetime(2027, 1, 1, tzinfo=UTC)
    return await events_between(tenant.account.id, start, end, kinds=["sla_breached"])  # type: ignore[arg-type]


async def reload(conversation: Conversation) -> Conversation:
    found = await Conversation.get(conversation.id)
    assert found is not None
    return found


async def test_first_response_breach_inside_business_hours(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    await set_hours(tenant.account)
    await policy(client, tenant, first_response_minutes=30, business_hours_only=True)
    clock.set(MONDAY_9 + dt.timedelta(hours=1))  # Monday 10:00, open
    conversation = await inbound_conversation(client, tenant)
    conversation = await reload(conversation)
    assert conversation.sla is not None
    due = MONDAY_9 + dt.timedelta(hours=1, minutes=30)
    assert conversation.sla["first_response_due_at"] == due

    clock.set(due - dt.timedelta(minutes=1))
    assert await sla.tick() == 0
    clock.set(due + dt.timedelta(seconds=20))
    assert await sla.tick() == 1
    assert await sla.tick() == 0  # once
    found = await breaches(tenant)
    assert [(e.kind, e.data["kind"], e.at) for e in found] == [
        ("sla_breached", "first_response", due)
    ]
    r = await client.get(f"/api/v1/conversations/{conversation.id}", headers=tenant.auth)
    body = r.json()["sla"]
    assert [(b["kind"], dt.datetime.fromisoformat(b["at"])) for b in body["breaches"]] == [
        ("first_response", due)
    ]
    assert dt.datetime.fromisoformat(body["first_response_due_at"]) == due


async def test_no_breach_during_a_closed_weekend(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    await set_hours(tenant.account)
    await policy(client, tenant, first_response_minutes=30, business_hours_only=True)
    clock.set(dt.datetime(2026, 3, 6, 16, 50, tzinfo=UTC))  # Friday 16:50: 10 minutes left
    conversation = await reload(await inbound_conversation(client, tenant))
    monday_due = dt.datetime(2026, 3, 9, 9, 20, tzinfo=UTC)
    assert conversation.sla is not None
    assert conversation.sla["first_response_due_at"] == monday_due

    for at in (
        dt.datetime(2026, 3, 6, 17, 30, tzinfo=UTC),  # Friday evening
        dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC),  # Saturday
        dt.datetime(2026, 3, 8, 23, 0, tzinfo=UTC),  # Sunday night
        dt.datetime(2026, 3, 9, 9, 19, tzinfo=UTC),  # Monday, a minute before
    ):
        clock.set(at)
        assert await sla.tick() == 0, at
    assert await breaches(tenant) == []
    clock.set(monday_due + dt.timedelta(minutes=1))
    assert await sla.tick() == 1
    assert [e.at for e in await breaches(tenant)] == [monday_due]


async def test_holiday_stops_the_clock(client: httpx.AsyncClient, hub: Hub, clock: Clock) -> None:
    tenant = await pro(hub)
    hours = {
        "timezone": "UTC",
        "days": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]]},
        "holidays": ["2026-03-03"],
    }
    await set_hours(tenant.account, hours)
    await policy(client, tenant, first_response_minutes=60, business_hours_only=True)
    clock.set(dt.datetime(2026, 3, 2, 16, 30, tzinfo=UTC))  # Monday 16:30; Tuesday is a holiday
    conversation = await reload(await inbound_conversation(client, tenant))
    assert conversation.sla is not None
    assert conversation.sla["first_response_due_at"] == dt.datetime(2026, 3, 9, 9, 30, tzinfo=UTC)


async def test_next_response_breach_after_the_customer_writes_again(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, provider: Any
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=10, next_response_minutes=15)
    conversation = await inbound_conversation(client, tenant)
    clock.advance(minutes=5)
    await outbox.enqueue(hub, await reload(conversation), text="Hello!", sender=AGENT)
    state = (await reload(conversation)).sla
    assert state is not None and "first_response" in state["done"]
    clock.advance(minutes=5)  # 09:10 the customer writes again
    r = await post_webhook(client, tenant, [{"id": "in-2", "from": "+4511111111", "text": "?"}])
    assert r.status_code == 200
    state = (await reload(conversation)).sla
    assert state is not None
    due = MONDAY_9 + dt.timedelta(minutes=25)
    assert state["next_response_due_at"] == due

    clock.set(due - dt.timedelta(minutes=1))
    assert await sla.tick() == 0
    clock.set(due + dt.timedelta(minutes=1))
    assert await sla.tick() == 1
    assert [e.data["kind"] for e in await breaches(tenant)] == ["next_response"]
    met = await events_between(
        tenant.account.id,  # type: ignore[arg-type]
        MONDAY_9,
        MONDAY_9 + dt.timedelta(days=1),
        kinds=["sla_met"],
    )
    assert [e.data["kind"] for e in met] == ["first_response"]


async def test_resolution_breach_and_resolve_stops_the_clocks(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, provider: Any
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=30, resolution_minutes=60)
    conversation = await inbound_conversation(client, tenant)
    clock.advance(minutes=10)
    await outbox.enqueue(hub, await reload(conversation), text="On it", sender=AGENT)
    clock.advance(minutes=55)
    assert await sla.tick() == 1
    assert [e.data["kind"] for e in await breaches(tenant)] == ["resolution"]
    r = await client.patch(
        f"/api/v1/conversations/{conversation.id}", json={"status": "resolved"}, headers=tenant.auth
    )
    assert r.status_code == 200
    after = await reload(conversation)
    assert after.sla_next_due is None and after.sla_due is None and after.sla_risk_at is None
    clock.advance(days=2)
    assert await sla.tick() == 0


async def test_a_reply_in_time_meets_the_target(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, provider: Any
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=30)
    conversation = await inbound_conversation(client, tenant)
    clock.advance(minutes=29)
    await outbox.enqueue(hub, await reload(conversation), text="Hi", sender=AGENT)
    clock.advance(hours=3)
    assert await sla.tick() == 0
    r = await client.get("/api/v1/reports/sla?from=2026-03-02&to=2026-03-02", headers=tenant.auth)
    assert r.status_code == 200, r.text
    rows = {row["kind"]: row for row in r.json()["rows"]}
    assert rows["first_response"]["met"] == 1 and rows["first_response"]["breached"] == 0
    csv = await client.get(
        "/api/v1/reports/sla?from=2026-03-02&to=2026-03-02&format=csv", headers=tenant.auth
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Standard,first_response,1,0,0" in csv.text


async def test_pending_pauses_the_clock_when_the_policy_says_so(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, resolution_minutes=60, pause_when_pending=True)
    conversation = await inbound_conversation(client, tenant)
    clock.advance(minutes=20)
    await conversation_changes.update_conversation(
        tenant.account.id,  # type: ignore[arg-type]
        str(conversation.id),
        {"status": "pending"},
    )
    clock.advance(hours=5)  # waiting on the customer: no breach
    assert await sla.tick() == 0
    await conversation_changes.update_conversation(
        tenant.account.id,  # type: ignore[arg-type]
        str(conversation.id),
        {"status": "open"},
    )
    state = (await reload(conversation)).sla
    assert state is not None
    assert state["resolution_due_at"] == clock.at + dt.timedelta(minutes=40)


async def test_at_risk_count_from_eighty_percent(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=10)
    await inbound_conversation(client, tenant)
    account_id = tenant.account.id
    assert account_id is not None
    clock.advance(minutes=7)
    assert await live.sla_at_risk_total(tenant.account) == 0
    clock.advance(minutes=1)
    assert await live.sla_at_risk_total(tenant.account) == 1
    per_team = await live.sla_open(tenant.account)
    assert per_team is not None and set(per_team) == {None}  # the no-team queue only
    assert (per_team[None].at_risk, per_team[None].breached) == (1, 0)
    clock.advance(minutes=3)
    per_team = await live.sla_open(tenant.account)
    assert per_team is not None and per_team[None].breached == 1


class Receiver:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        self.bodies.append(json.loads(await request.body()))
        return JSONResponse({"ok": True})


async def test_two_hub_processes_record_and_send_a_breach_once(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, settings: Settings, connectors: Any
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=5)
    receiver = Receiver()
    async with serve(receiver.app) as base:
        r = await client.post(
            "/api/v1/webhooks",
            json={"url": f"{base}/hook", "events": ["sla.breached"]},
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        conversation = await inbound_conversation(client, tenant)
        clock.advance(minutes=6)
        async for other in start_app(settings, connectors):
            results = await asyncio.gather(
                timers.run_once(hub), timers.run_once(other.hub), timers.run_once(hub)
            )
            assert sum(b for b, _ in results) <= 1  # the app loops may have claimed it first
            await eventually(lambda: _delivered(tenant), "the breach delivered")
            await timers.run_once(other.hub)
    assert len(await breaches(tenant)) == 1
    deliveries = await WebhookDelivery.find(
        {"account_id": tenant.account.id, "event_type": "sla.breached"}
    ).to_list()
    assert len(deliveries) == 1
    assert len(receiver.bodies) == 1
    event = receiver.bodies[0]
    assert event["type"] == "sla.breached"
    assert event["data"]["conversation_id"] == str(conversation.id)
    assert event["data"]["kind"] == "first_response"
    assert event["data"]["conversation"]["sla"]["breaches"][0]["kind"] == "first_response"


async def _delivered(tenant: Tenant) -> bool:
    found = await WebhookDelivery.find(
        {"account_id": tenant.account.id, "event_type": "sla.breached", "status": "delivered"}
    ).to_list()
    return bool(found)


async def test_hub_plan_is_refused_with_plan_required(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    for method, path in (
        ("GET", "/api/v1/sla_policies"),
        ("POST", "/api/v1/sla_policies"),
        ("PATCH", "/api/v1/sla_policies/0123456789abcdef01234567"),
        ("DELETE", "/api/v1/sla_policies/0123456789abcdef01234567"),
        ("GET", "/api/v1/reports/sla"),
    ):
        body = {"name": "x", "first_response_minutes": 5} if method in ("POST", "PATCH") else None
        r = await client.request(method, path, json=body, headers=tenant.auth)
        assert r.status_code == 402, (method, path, r.text)
        assert r.json()["error"]["code"] == "plan_required"
        assert "PRO" in r.json()["error"]["message"]


async def test_bad_policies_are_400_naming_the_field(client: httpx.AsyncClient, hub: Hub) -> None:
    tenant = await pro(hub)
    cases = [
        ({"first_response_minutes": 0}, "first_response_minutes"),
        ({"resolution_minutes": -5}, "resolution_minutes"),
        (
            {
                "first_response_minutes": 5,
                "applies_to": {"channel_ids": ["0123456789abcdef01234567"]},
            },
            "channel_ids",
        ),
        ({"first_response_minutes": 5, "applies_to": {"team_ids": ["nope"]}}, "team_ids"),
        ({"first_response_minutes": 5, "applies_to": {"priorities": ["asap"]}}, "priorities"),
        ({"first_response_minutes": 5, "business_hours_only": True}, "business_hours_only"),
        ({"first_response_minutes": 2**70}, "first_response_minutes"),
    ]
    for values, field in cases:
        r = await client.post(
            "/api/v1/sla_policies", json={"name": "P", **values}, headers=tenant.auth
        )
        assert r.status_code == 400, (values, r.text)
        assert field in r.json()["error"]["message"], (values, r.text)
    r = await client.get("/api/v1/sla_policies", headers=tenant.auth)
    assert r.json()["data"] == []  # nothing half-written


async def test_policy_crud_and_tenancy(client: httpx.AsyncClient, hub: Hub) -> None:
    tenant = await pro(hub)
    other = await make_tenant(hub, "Other Pro", plan="PRO")
    created = await policy(
        client,
        tenant,
        first_response_minutes=15,
        applies_to={"channel_ids": [str(tenant.channel.id)], "priorities": ["urgent"], "vip": True},
    )
    url = f"/api/v1/sla_policies/{created['id']}"
    r = await client.patch(url, json={"resolution_minutes": 240}, headers=tenant.auth)
    assert r.status_code == 200, r.text
    assert r.json()["resolution_minutes"] == 240 and r.json()["first_response_minutes"] == 15
    assert r.json()["applies_to"]["priorities"] == ["urgent"]
    for method in ("GET", "PATCH", "DELETE"):
        body = {"name": "stolen"} if method == "PATCH" else None
        r = await client.request(method, url, json=body, headers=other.auth)
        assert r.status_code == 404, (method, r.text)
    r = await client.delete(url, headers=tenant.auth)
    assert r.status_code == 200
    assert (await client.get(url, headers=tenant.auth)).status_code == 404


async def test_downgrade_keeps_policies_and_stops_them(
    client: httpx.AsyncClient, hub: Hub, clock: Clock
) -> None:
    tenant = await pro(hub)
    await policy(client, tenant, first_response_minutes=5)
    running = await inbound_conversation(client, tenant, "+4522222222", "in-a")
    await Account.get_pymongo_collection().update_one(
        {"_id": tenant.account.id}, {"$set": {"plan": "HUB"}}
    )
    fresh = await reload(await inbound_conversation(client, tenant, "+4533333333", "in-b"))
    assert fresh.sla is None
    clock.advance(minutes=10)
    assert await sla.tick() == 0  # the running clock stopped applying too
    assert (await reload(running)).sla_next_due is None
    downgraded = await Account.get(tenant.account.id)
    assert downgraded is not None and await live.sla_open(downgraded) is None  # not on HUB
    await Account.get_pymongo_collection().update_one(
        {"_id": tenant.account.id}, {"$set": {"plan": "PRO"}}
    )
    r = await client.get("/api/v1/sla_policies", headers=tenant.auth)
    assert len(r.json()["data"]) == 1  # kept
    again = await reload(await inbound_conversation(client, tenant, "+4544444444", "in-c"))
    assert again.sla is not None  # applies to new conversations again


async def test_timed_reads_use_their_indexes(hub: Hub, tenant: Tenant) -> None:
    """The planner reads index ranges for tick, the due sort, the risk count and surveys."""
    database = Conversation.get_pymongo_collection().database
    at = dt.datetime(2026, 3, 2, tzinfo=UTC)
    bounded = {"$gte": sla.FLOOR, "$lte": at}
    account = tenant.account.id
    cases = {
        "sla_next_due_1": {"sla_next_due": bounded},
        "account_id_1_sla_due_1": {"account_id": account, "sla_due": {"$gte": sla.FLOOR}},
        "account_id_1_sla_risk_at_1": {"account_id": account, "sla_risk_at": bounded},
        "csat_due_at_1": {"csat_due_at": bounded},
        "csat_survey.token_hash_1": {"csat_survey.token_hash": "abc"},
    }
    for index, query in cases.items():
        plan = await database.command(
            {"explain": {"find": "conversations", "filter": query}, "verbosity": "queryPlanner"}
        )
        stage = plan["queryPlanner"]["winningPlan"]
        while "inputStage" in stage and stage.get("stage") != "IXSCAN":
            stage = stage["inputStage"]
        assert (stage.get("stage"), stage.get("indexName")) == ("IXSCAN", index), (index, plan)


def test_sla_plans_follow_the_plan_table() -> None:
    from hub.tenants import plans

    assert {name for name, plan in plans.PLANS.items() if plan.sla} == sla.SLA_PLANS
