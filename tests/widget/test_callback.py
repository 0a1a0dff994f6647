"""The widget's "call me back" routes: when the panel shows, what it creates, bad input, limits."""

from __future__ import annotations

import datetime as dt

import httpx

from hub.models import CallbackRequest, Contact
from hub.pipeline.services import Hub
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import Clock, Tenant
from tests.widget.conftest import visitor

MONDAY = dt.date(2026, 3, 2)


def _w(day: int, start: str, end: str) -> dict[str, str]:
    a, b = window(MONDAY + dt.timedelta(day), start, end)
    return {"from": a.isoformat(), "until": b.isoformat()}


async def test_panel_shows_only_when_the_team_offers_callbacks(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, chat: Tenant
) -> None:
    v = await visitor(client, chat)
    r = await client.get("/widget/v1/callback", headers=v.headers)
    assert r.json() == {"available": False, "windows": [], "phone": None}  # no team
    team = await team_with_callbacks(hub, chat)
    r = await client.get("/widget/v1/callback", headers=v.headers)
    assert r.json()["available"] is False  # nobody waits long: the offer is off
    await team.set({"callback.always_in_widget": True})
    r = await client.get("/widget/v1/callback", headers=v.headers)
    body = r.json()
    assert body["available"] is True
    assert body["windows"] == [
        _w(0, "10:00", "12:00"),
        _w(0, "14:00", "16:00"),
        _w(1, "10:00", "12:00"),
        _w(1, "14:00", "16:00"),
    ]
    clock.set(dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC))
    r = await client.get("/widget/v1/callback", headers=v.headers)
    assert r.json()["windows"][0] == _w(0, "14:00", "16:00")  # ends later today: still offered


async def test_a_visitor_asks_for_a_callback_for_their_contact(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, chat: Tenant
) -> None:
    team = await team_with_callbacks(hub, chat, always_in_widget=True)
    v = await visitor(client, chat, name="Vera")
    assert (await v.say("hello", "key-00001")).status_code == 201
    body = {"phone": "+45 20 12 34 56", "window": _w(1, "10:00", "12:00"), "note": "cust 1234"}
    r = await client.post("/widget/v1/callback", json=body, headers=v.headers)
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "+4520123456"
    [made] = await CallbackRequest.find(CallbackRequest.account_id == chat.account.id).to_list()
    assert (made.source, made.team_id, made.customer_input) == ("widget", str(team.id), "cust 1234")
    contact = await Contact.get(made.contact_id)
    assert (
        contact is not None
        and "visitor:" in contact.primary_address
        and contact.phone == "+4520123456"
    )
    assert made.conversation_id is not None
    again = await client.get("/widget/v1/callback", headers=v.headers)
    assert again.json()["phone"] == "+4520123456"  # prefilled next time


async def test_bad_number_or_window_is_400_and_requests_are_rate_limited(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, chat: Tenant
) -> None:
    await team_with_callbacks(hub, chat, always_in_widget=True)
    v = await visitor(client, chat)
    cases = [
        ({"phone": "555", "window": _w(1, "10:00", "12:00")}, "invalid_phone"),
        ({"phone": "+4520123456", "window": _w(0, "06:00", "08:00")}, "window_past"),
        ({"phone": "+4520123456", "window": _w(1, "11:00", "12:00")}, "window_not_offered"),
    ]
    for body, code in cases:
        r = await client.post("/widget/v1/callback", json=body, headers=v.headers)
        assert (r.status_code, r.json()["error"]["code"]) == (400, code)
    assert await CallbackRequest.find(CallbackRequest.account_id == chat.account.id).count() == 0
    ok = {"phone": "+4520123456", "window": _w(1, "10:00", "12:00")}
    statuses = [
        (await client.post("/widget/v1/callback", json=ok, headers=v.headers)).status_code
        for _ in range(3)
    ]
    assert statuses == [201, 201, 429]  # 5 requests in 10 minutes, counting the refused ones
    no_token = await client.post("/widget/v1/callback", json=ok)
    assert no_token.status_code == 401
