"""``/api/v1/callbacks``: create, sort by every column both ways, attempts, the 409, bad input, tenancy."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.contract import now
from hub.models import CallbackRequest, Team
from hub.pipeline.services import Hub
from tests.api.conftest import eventually, serve
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import Clock, Tenant
from tests.inbox.conftest import add_user

MONDAY = dt.date(2026, 3, 2)


def _window(day: int, start: str, end: str) -> dict[str, str]:
    a, b = window(MONDAY + dt.timedelta(day), start, end)
    return {"from": a.isoformat(), "until": b.isoformat()}


async def _create(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    body.setdefault("phone", "+4520123456")
    body.setdefault("window", _window(0, "14:00", "16:00"))
    r = await client.post("/api/v1/callbacks", json=body, headers=tenant.auth)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


async def _ids(client: httpx.AsyncClient, tenant: Tenant, query: str) -> list[str]:
    r = await client.get(f"/api/v1/callbacks?{query}", headers=tenant.auth)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["data"]]


async def test_create_read_and_attempts_through_the_api(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    team = await team_with_callbacks(hub, tenant)
    ann = await add_user(tenant, "ann@acme.test", name="Ann")
    made = await _create(
        client, tenant, phone="0045 20 12 34 56", team_id=str(team.id), customer_input="cust 42"
    )
    assert made["phone"] == "+4520123456" and made["status"] == "waiting"
    start, end = window(MONDAY, "14:00", "16:00")
    shown = made["window"]
    assert (
        dt.datetime.fromisoformat(shown["from"]),
        dt.datetime.fromisoformat(shown["until"]),
    ) == (
        start,
        end,
    )
    one = await client.get(f"/api/v1/callbacks/{made['id']}", headers=tenant.auth)
    assert one.json()["customer_input"] == "cust 42"
    url = f"/api/v1/callbacks/{made['id']}/attempts"
    r = await client.post(url, json={"outcome": "no_answer", "note": ""}, headers=tenant.auth)
    assert r.status_code == 400 and r.json()["error"]["code"] == "note_required"
    unchanged = await client.get(f"/api/v1/callbacks/{made['id']}", headers=tenant.auth)
    assert unchanged.json()["attempts"] == [] and unchanged.json()["status"] == "waiting"
    body = {"outcome": "no_answer", "note": "busy", "user_id": str(ann.id)}
    r = await client.post(url, json=body, headers=tenant.auth)
    assert r.status_code == 201 and r.json()["status"] == "requeued", r.text
    assert r.json()["handler_id"] == str(ann.id) and r.json()["last_note"] == "busy"
    r = await client.post(url, json={"outcome": "reached", "note": "done"}, headers=tenant.auth)
    assert r.json()["status"] == "done"
    assert [(a["outcome"], a["note"]) for a in r.json()["attempts"]] == [
        ("no_answer", "busy"),
        ("reached", "done"),
    ]
    r = await client.post(url, json={"outcome": "reached", "note": "again"}, headers=tenant.auth)
    assert r.status_code == 409 and r.json()["error"]["code"] == "callback_closed"


async def test_two_agents_claim_at_once_one_gets_409_with_who(
    clock: Clock, client: httpx.AsyncClient, tenant: Tenant
) -> None:
    ann = await add_user(tenant, "ann@acme.test", name="Ann")
    bob = await add_user(tenant, "bob@acme.test", name="Bob")
    made = await _create(client, tenant)
    url = f"/api/v1/callbacks/{made['id']}"
    answers = await asyncio.gather(
        *[
            client.patch(url, json={"handler_id": str(u.id)}, headers=tenant.auth)
            for u in (ann, bob)
        ]
    )
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    won = next(r for r in answers if r.status_code == 200).json()
    lost = next(r for r in answers if r.status_code == 409).json()["error"]
    assert lost["code"] == "already_calling"
    assert lost["handler"] == {"id": won["handler_id"], "name": won["handler_name"]}
    assert won["handler_name"] in lost["message"]
    loser = bob if won["handler_id"] == str(ann.id) else ann
    r = await client.post(
        f"{url}/attempts",
        json={"outcome": "reached", "note": "x", "user_id": str(loser.id)},
        headers=tenant.auth,
    )
    assert r.status_code == 409
    released = await client.patch(url, json={"handler_id": None}, headers=tenant.auth)
    assert released.json()["calling_since"] is None
    again = await client.patch(url, json={"handler_id": str(loser.id)}, headers=tenant.auth)
    assert again.status_code == 200 and again.json()["handler_id"] == str(loser.id)


async def test_sorting_by_every_column_both_orders(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    teams = {
        n: await team_with_callbacks(hub, tenant, n, route=False)
        for n in ("Gamma", "Alpha", "Beta")
    }
    users = {n: await add_user(tenant, f"{n}@acme.test", name=n) for n in ("Ann", "Bob", "Cid")}
    x = await _create(client, tenant, team_id=str(teams["Gamma"].id), customer_input="b-200",
                      window=_window(0, "14:00", "16:00"))  # fmt: skip
    clock.advance(minutes=1)
    y = await _create(client, tenant, team_id=str(teams["Alpha"].id), customer_input="a-100",
                      window=_window(1, "10:00", "12:00"))  # fmt: skip
    clock.advance(minutes=1)
    z = await _create(client, tenant, team_id=str(teams["Beta"].id), customer_input="c-300",
                      window=_window(0, "10:00", "12:00"))  # fmt: skip

    async def act(cb: dict[str, Any], user: str, outcome: str | None, note: str = "") -> None:
        uid = str(users[user].id)
        if outcome is None:
            r = await client.patch(
                f"/api/v1/callbacks/{cb['id']}", json={"handler_id": uid}, headers=tenant.auth
            )
        else:
            r = await client.post(f"/api/v1/callbacks/{cb['id']}/attempts",
                                  json={"outcome": outcome, "note": note, "user_id": uid}, headers=tenant.auth)  # fmt: skip
        assert r.status_code in (200, 201), r.text

    await act(x, "Cid", None)  # calling now, no attempt yet: no note
    await act(y, "Bob", "reached", "rang, reached")
    await act(z, "Ann", "no_answer", "busy tone")
    X, Y, Z = x["id"], y["id"], z["id"]
    expected = {
        "requested_at": [X, Y, Z],
        "window": [Z, X, Y],
        "team": [Y, Z, X],
        "customer_input": [Y, X, Z],
        "handler": [Z, Y, X],
        "status": [X, Z, Y],  # waiting, requeued, done: the order work moves in
        "last_note": [X, Z, Y],
    }
    for column, order in expected.items():
        assert await _ids(client, tenant, f"status=any&sort={column}") == order, column
        assert await _ids(client, tenant, f"status=any&sort={column}&order=asc") == order, column
        assert await _ids(client, tenant, f"status=any&sort={column}&order=desc") == order[::-1], (
            column
        )
    assert await _ids(client, tenant, "") == [X, Z]  # open ones by default
    assert await _ids(client, tenant, "status=done") == [Y]
    assert await _ids(client, tenant, f"status=any&team_id={teams['Beta'].id}") == [Z]
    first = await client.get("/api/v1/callbacks?status=any&limit=2", headers=tenant.auth)
    rest = await client.get(
        f"/api/v1/callbacks?status=any&limit=2&cursor={first.json()['next_cursor']}",
        headers=tenant.auth,
    )
    assert [c["id"] for c in first.json()["data"] + rest.json()["data"]] == [X, Y, Z]
    assert rest.json()["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phone": "not a number"}, "invalid_phone"),
        ({"phone": "+1 555"}, "invalid_phone"),
        ({"window": _window(0, "06:00", "08:00")}, "window_past"),
        ({"window": _window(0, "12:00", "13:00")}, "window_not_offered"),
        (
            {"window": {"from": "2026-03-02T14:00:00", "until": "2026-03-02T16:00:00"}},
            "invalid_request",
        ),
        ({"team_id": "0" * 24}, "unknown_team"),
        ({"team_id": "support"}, "unknown_team"),  # a name is no id
        ({"colour": "red"}, "invalid_request"),
    ],
)
async def test_bad_input_is_400_naming_the_field_and_stores_nothing(
    clock: Clock,
    client: httpx.AsyncClient,
    hub: Hub,
    tenant: Tenant,
    body: dict[str, Any],
    code: str,
) -> None:
    team = await team_with_callbacks(hub, tenant)
    full = {
        "phone": "+4520123456",
        "team_id": str(team.id),
        "window": _window(0, "14:00", "16:00"),
        **body,
    }
    r = await client.post("/api/v1/callbacks", json=full, headers=tenant.auth)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code
    assert await CallbackRequest.find(CallbackRequest.account_id == tenant.account.id).count() == 0


@pytest.mark.parametrize("query", ["status=later", "sort=colour", "order=up", "cursor=zz"])
async def test_unknown_filters_are_400(
    client: httpx.AsyncClient, tenant: Tenant, query: str
) -> None:
    r = await client.get(f"/api/v1/callbacks?{query}", headers=tenant.auth)
    assert r.status_code == 400, r.text


async def test_another_accounts_callbacks_are_not_found(
    clock: Clock, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = await _create(client, other_tenant)
    their_team = Team(account_id=other_tenant.account.id, name="Theirs")  # type: ignore[arg-type]
    await their_team.insert()
    url = f"/api/v1/callbacks/{theirs['id']}"
    assert (await client.get(url, headers=tenant.auth)).status_code == 404
    assert (
        await client.patch(url, json={"status": "cancelled"}, headers=tenant.auth)
    ).status_code == 404
    r = await client.post(
        f"{url}/attempts", json={"outcome": "reached", "note": "x"}, headers=tenant.auth
    )
    assert r.status_code == 404
    assert await _ids(client, tenant, "status=any") == []
    r = await client.get(f"/api/v1/callbacks?team_id={their_team.id}", headers=tenant.auth)
    assert r.status_code == 400
    r = await client.post("/api/v1/callbacks", json={"phone": "+4520123456", "team_id": str(their_team.id),
                          "window": _window(0, "14:00", "16:00")}, headers=tenant.auth)  # fmt: skip
    assert r.status_code == 400
    mine = await client.get(url, headers=other_tenant.auth)
    assert mine.json()["status"] == "waiting"


class Receiver:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> JSONResponse:
        self.events.append(json.loads(await request.body()))
        return JSONResponse({"ok": True})


async def test_callback_events_reach_subscribed_webhooks(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    receiver = Receiver()
    async with serve(receiver.app) as base:
        events = ["callback.created", "callback.updated"]
        r = await client.post(
            "/api/v1/webhooks", json={"url": f"{base}/hook", "events": events}, headers=tenant.auth
        )
        assert r.status_code == 201, r.text
        start = now() + dt.timedelta(hours=1)
        made = await _create(
            client,
            tenant,
            window={
                "from": start.isoformat(),
                "until": (start + dt.timedelta(hours=2)).isoformat(),
            },
        )
        r = await client.post(
            f"/api/v1/callbacks/{made['id']}/attempts",
            json={"outcome": "reached", "note": "spoke to her"},
            headers=tenant.auth,
        )
        assert r.status_code == 201

        async def both() -> list[dict[str, Any]] | None:
            done = [e for e in receiver.events if e["data"].get("status") == "done"]
            return receiver.events if done else None

        seen = await eventually(both, "callback events")
    assert seen[0]["type"] == "callback.created" and seen[0]["data"]["id"] == made["id"]
    assert seen[0]["data"]["window"]["from"] and seen[0]["data"]["phone"] == "+4520123456"
    last = seen[-1]
    assert last["type"] == "callback.updated" and last["data"]["last_note"] == "spoke to her"
