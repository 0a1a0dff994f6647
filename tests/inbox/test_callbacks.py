"""``/inbox/callbacks``: the list, its sorting headers and filters, calling, outcomes, tenancy."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from hub.centre.callbacks import lifecycle as callbacks
from hub.models import CallbackRequest, Team, User
from hub.pipeline.services import Hub
from tests.centre.callback_helpers import team_with_callbacks, window
from tests.conftest import Clock, Running, Tenant
from tests.core.helpers import inbound_conversation
from tests.inbox.conftest import add_user, csrf_of, session_client

MONDAY = dt.date(2026, 3, 2)
ROW = re.compile(r'<tr class="cb [^"]*" data-id="([0-9a-f]{24})"')


async def _callback(
    tenant: Tenant, day: int = 0, start: str = "14:00", **extra: object
) -> CallbackRequest:
    a, b = window(MONDAY + dt.timedelta(day), start, f"{int(start[:2]) + 2:02d}:00")
    return await callbacks.create(
        tenant.account, phone="+4520123456", window_from=a, window_until=b, **extra
    )  # type: ignore[arg-type]


def _rows(html: str) -> list[str]:
    return ROW.findall(html)


async def test_list_sorts_by_its_headers_and_filters(
    clock: Clock, signed_in: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    team = await team_with_callbacks(hub, tenant, "Billing")
    x = await _callback(tenant, 1, "10:00", customer_input="zeta")
    clock.advance(minutes=1)
    y = await _callback(tenant, 0, "14:00", customer_input="alpha", team_id=str(team.id))
    page = await signed_in.get("/inbox/callbacks")
    assert page.status_code == 200
    assert _rows(page.text) == [str(x.id), str(y.id)]
    assert 'href="tel:+4520123456"' in page.text
    assert "/inbox/callbacks?status=open&amp;team=&amp;sort=window&amp;order=asc" in page.text
    by_window = await signed_in.get("/inbox/callbacks?sort=window&order=asc")
    assert _rows(by_window.text) == [str(y.id), str(x.id)]
    assert (
        'aria-sort="ascending"><a href="/inbox/callbacks?status=open&amp;team=&amp;sort=window&amp;order=desc"'
        in by_window.text
    )
    desc = await signed_in.get("/inbox/callbacks?sort=window&order=desc")
    assert _rows(desc.text) == [str(x.id), str(y.id)]
    for column in callbacks.SORTS:
        for order in ("asc", "desc"):
            r = await signed_in.get(f"/inbox/callbacks?sort={column}&order={order}")
            assert r.status_code == 200 and len(_rows(r.text)) == 2
    only = await signed_in.get(f"/inbox/callbacks?team={team.id}")
    assert _rows(only.text) == [str(y.id)]
    fragment = await signed_in.get(
        "/inbox/callbacks?status=done", headers={"HX-Request": "true", "HX-Target": "rows"}
    )
    assert "No callbacks here." in fragment.text and "<html" not in fragment.text


async def test_calling_now_then_a_colleague_gets_409_and_the_outcome_needs_a_note(
    clock: Clock, running: Running, signed_in: httpx.AsyncClient, agent: User, tenant: Tenant
) -> None:
    made = await _callback(tenant)
    page = await signed_in.get("/inbox/callbacks")
    csrf = csrf_of(page.text)
    htmx = {"HX-Request": "true", "HX-Target": "rows"}
    r = await signed_in.post(f"/inbox/callbacks/{made.id}/call", data={"csrf": csrf}, headers=htmx)
    assert r.status_code == 200 and "You are calling +4520123456" in r.text
    assert "calling now" in r.text and "Stop calling" in r.text
    bob = await add_user(tenant, "bob@acme.test", name="Bob")
    async with session_client(running, bob) as other:
        their_csrf = csrf_of((await other.get("/inbox/callbacks")).text)
        r = await other.post(
            f"/inbox/callbacks/{made.id}/call", data={"csrf": their_csrf}, headers=htmx
        )
        assert r.status_code == 409 and "Agnes Agent is calling this customer now." in r.text
    r = await signed_in.post(
        f"/inbox/callbacks/{made.id}/attempts",
        data={"csrf": csrf, "outcome": "no_answer", "note": " "},
        headers=htmx,
    )
    assert r.status_code == 400 and "Write a note about the call first." in r.text
    assert (await callbacks.get(tenant.account.id, made.id)).attempts == []  # type: ignore[arg-type]
    r = await signed_in.post(
        f"/inbox/callbacks/{made.id}/attempts",
        data={"csrf": csrf, "outcome": "no_answer", "note": "rang out"},
        headers=htmx,
    )
    assert r.status_code == 200 and "re-queued for another try" in r.text
    stored = await callbacks.get(tenant.account.id, made.id)  # type: ignore[arg-type]
    assert (stored.status, stored.last_note, stored.handler_id) == (
        "requeued",
        "rang out",
        str(agent.id),
    )
    plain = await signed_in.post(
        f"/inbox/callbacks/{made.id}/attempts",
        data={"csrf": csrf, "outcome": "reached", "note": "ok"},
    )
    assert plain.status_code == 303 and plain.headers["location"].startswith("/inbox/callbacks?")


async def test_another_accounts_callback_is_a_404_page(
    clock: Clock, signed_in: httpx.AsyncClient, other_tenant: Tenant
) -> None:
    theirs = await _callback(other_tenant)
    csrf = csrf_of((await signed_in.get("/inbox/callbacks")).text)
    assert str(theirs.id) not in (await signed_in.get("/inbox/callbacks?status=any")).text
    for action in ("call", "release"):
        r = await signed_in.post(f"/inbox/callbacks/{theirs.id}/{action}", data={"csrf": csrf})
        assert r.status_code == 404, action
    r = await signed_in.post(
        f"/inbox/callbacks/{theirs.id}/attempts",
        data={"csrf": csrf, "outcome": "reached", "note": "x"},
    )
    assert r.status_code == 404
    assert (await callbacks.get(other_tenant.account.id, theirs.id)).attempts == []  # type: ignore[arg-type]


async def test_the_conversation_panel_shows_the_contacts_callbacks(
    clock: Clock, client: httpx.AsyncClient, signed_in: httpx.AsyncClient, tenant: Tenant
) -> None:
    conversation = await inbound_conversation(client, tenant, "+4520123456")
    made = await _callback(tenant, conversation_id=conversation.id, customer_input="order 9")
    await callbacks.log_attempt(tenant.account, str(made.id), "u1", "Ann", "no_answer", "voicemail")
    page = await signed_in.get(f"/inbox/c/{conversation.id}")
    assert f'data-callback="{made.id}"' in page.text
    assert (
        "order 9" in page.text
        and "Ann: no answer — voicemail" in page.text
        and "asked here" in page.text
    )


async def test_admin_sets_a_teams_offer_and_bad_values_name_the_field(
    running: Running, signed_in: httpx.AsyncClient, hub: Hub, tenant: Tenant, other_tenant: Tenant
) -> None:
    team = await team_with_callbacks(hub, tenant, "Support", route=False)
    admin = await add_user(tenant, "boss@acme.test", "admin", "Boss")
    theirs = await team_with_callbacks(hub, other_tenant, "Theirs", route=False)
    url = f"/inbox/teams/{team.id}/callback"
    assert (await signed_in.get(url)).status_code == 403  # agents do not set it
    async with session_client(running, admin) as boss:
        page = await boss.get(url)
        assert page.status_code == 200 and "10:00-12:00\n14:00-16:00" in page.text
        form = {
            "csrf": csrf_of(page.text),
            "enabled": "on",
            "offer_when_wait_minutes": "3",
            "offer_from": "07:30",
            "offer_until": "19:00",
            "windows": "09:00-10:00\n18:00-19:00",
            "requeue_after_minutes": "45",
        }
        r = await boss.post(url, data=form)
        assert r.status_code == 200 and "Callback offer saved." in r.text
        saved = await Team.get(team.id)
        assert saved is not None and saved.callback == {
            "enabled": True,
            "offer_when_wait_minutes": 3,
            "offer_from": "07:30",
            "offer_until": "19:00",
            "windows": [["09:00", "10:00"], ["18:00", "19:00"]],
            "requeue_after_minutes": 45,
            "always_in_widget": False,
        }
        r = await boss.post(url, data={**form, "windows": "11:00-10:00"})
        assert r.status_code == 400 and "callback.windows[0]: must start before it ends" in r.text
        assert (await Team.get(team.id)).callback == saved.callback  # type: ignore[union-attr]
        assert (await boss.get(f"/inbox/teams/{theirs.id}/callback")).status_code == 404
        r = await boss.post(f"/inbox/teams/{theirs.id}/callback", data=form)
        assert r.status_code == 404


async def test_a_supervisor_frees_a_callback_a_colleague_left(
    clock: Clock, running: Running, signed_in: httpx.AsyncClient, tenant: Tenant
) -> None:
    made = await _callback(tenant)
    await callbacks.start_call(tenant.account.id, str(made.id), "someone", "Sam")  # type: ignore[arg-type]
    csrf = csrf_of((await signed_in.get("/inbox/callbacks")).text)
    await signed_in.post(f"/inbox/callbacks/{made.id}/release", data={"csrf": csrf})
    assert (await callbacks.get(tenant.account.id, made.id)).calling_since is not None  # type: ignore[arg-type]
    lead = await add_user(tenant, "lead@acme.test", "supervisor", "Lead")
    async with session_client(running, lead) as sup:
        page = await sup.get("/inbox/callbacks")
        assert "Release from Sam" in page.text
        r = await sup.post(
            f"/inbox/callbacks/{made.id}/release",
            data={"csrf": csrf_of(page.text)},
            headers={"HX-Request": "true", "HX-Target": "rows"},
        )
        assert "Nobody is calling +4520123456 now." in r.text
    assert (await callbacks.get(tenant.account.id, made.id)).calling_since is None  # type: ignore[arg-type]
