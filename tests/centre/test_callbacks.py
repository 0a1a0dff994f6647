"""The callback rules against a real database: the offer, the states, the race, bad input, retention."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest
from pytest_httpx import HTTPXMock

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.callbacks.settings import (
    CallbackSettingsError,
    remaining_windows,
    settings_of,
    validate_callback_settings,
)
from hub.facts import activity
from hub.models import Account, CallbackRequest
from hub.pipeline.services import Hub
from tests.centre.callback_helpers import SETTINGS, team_with_callbacks, window
from tests.conftest import Clock, Tenant
from tests.core.helpers import inbound_conversation
from tests.fakes import TEST_API

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def provider(httpx_mock: HTTPXMock) -> HTTPXMock:
    """The test connector's provider, for whatever the dispatcher sends meanwhile."""
    httpx_mock.add_response(
        url=f"{TEST_API}/send", json={"sid": "SM1"}, is_reusable=True, is_optional=True
    )
    return httpx_mock


async def _set_tz(tenant: Tenant, tz: str) -> Account:
    await Account.get_pymongo_collection().update_one(
        {"_id": tenant.account.id}, {"$set": {"timezone": tz}}
    )
    found = await Account.get(tenant.account.id)
    assert found is not None
    return found


async def test_offer_follows_the_average_wait_and_the_local_time(
    clock: Clock, client: httpx.AsyncClient, hub: Hub, tenant: Tenant
) -> None:
    account = await _set_tz(tenant, "Europe/Copenhagen")  # 09:00 UTC is 10:00 there
    team = await team_with_callbacks(hub, tenant)
    assert not await callbacks.offer_active(account, team)  # nobody waits
    await inbound_conversation(client, tenant, "+4520000001", "w-1")
    clock.advance(minutes=4)
    await inbound_conversation(client, tenant, "+4520000002", "w-2")
    clock.advance(minutes=3)  # waits of 7 and 3 minutes: average 5, not over 5
    assert not await callbacks.offer_active(account, team)
    clock.advance(minutes=1)  # 8 and 4: average 6
    assert await callbacks.offer_active(account, team)
    clock.set(dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC))  # 17:00 local: offer_until
    assert not await callbacks.offer_active(account, team)
    clock.set(dt.datetime(2026, 3, 3, 6, 59, tzinfo=dt.UTC))  # next day 07:59 local: too early
    assert not await callbacks.offer_active(account, team)
    clock.set(dt.datetime(2026, 3, 3, 7, 0, tzinfo=dt.UTC))  # 08:00 local, long waits
    assert await callbacks.offer_active(account, team)
    team.callback = {**(team.callback or {}), "enabled": False}
    assert not await callbacks.offer_active(account, team)


async def test_windows_offered_are_today_and_tomorrow_local(clock: Clock) -> None:
    clock.set(dt.datetime(2026, 3, 2, 12, 30, tzinfo=dt.UTC))  # 13:30 in Copenhagen
    settings = settings_of(validate_callback_settings(SETTINGS))
    found = remaining_windows(settings, clock(), "Europe/Copenhagen")
    cph = ZoneInfo("Europe/Copenhagen")
    assert [(w.start.astimezone(cph).day, w.start.astimezone(cph).hour) for w in found] == [
        (2, 14),
        (3, 10),
        (3, 14),
    ]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"enabled": "yes"}, "callback.enabled"),
        ({"offer_from": "25:00"}, "callback.offer_from"),
        ({"offer_from": "18:00", "offer_until": "08:00"}, "callback.offer_from"),
        ({"windows": [["11:00", "10:00"]]}, "callback.windows[0]"),
        ({"windows": [["10:00"]]}, "callback.windows[0]"),
        ({"offer_when_wait_minutes": -1}, "callback.offer_when_wait_minutes"),
        ({"colour": "red"}, "callback.colour"),
    ],
)
def test_settings_name_the_bad_field(settings: dict[str, object], field: str) -> None:
    with pytest.raises(CallbackSettingsError) as caught:
        validate_callback_settings({**SETTINGS, **settings})
    assert caught.value.field == field


async def test_no_answer_requeues_then_reached_is_done_with_attempts_logged(
    clock: Clock, hub: Hub, tenant: Tenant
) -> None:
    team = await team_with_callbacks(hub, tenant)
    start, end = window(MONDAY, "10:00", "12:00")
    made = await callbacks.create(
        tenant.account,
        phone="+45 20 12 34 56",
        window_from=start,
        window_until=end,
        team_id=str(team.id),
        customer_input="order 77",
    )
    assert (made.phone, made.status, made.contact_id is not None) == (
        "+4520123456",
        "waiting",
        True,
    )
    assert await callbacks.waiting_count(tenant.account.id, str(team.id)) == 1  # type: ignore[arg-type]
    calling = await callbacks.start_call(tenant.account.id, str(made.id), "u1", "Ann")  # type: ignore[arg-type]
    assert (calling.handler_name, calling.calling_since) == ("Ann", clock())
    first = await callbacks.log_attempt(
        tenant.account, str(made.id), "u1", "Ann", "no_answer", "voicemail"
    )
    assert (first.status, first.last_note, first.calling_since) == ("requeued", "voicemail", None)
    assert first.due_at == clock() + dt.timedelta(minutes=20)
    assert await callbacks.waiting_count(tenant.account.id, str(team.id)) == 1  # type: ignore[arg-type]
    clock.advance(minutes=25)
    await callbacks.start_call(tenant.account.id, str(made.id), "u2", "Bob")  # type: ignore[arg-type]
    done = await callbacks.log_attempt(
        tenant.account, str(made.id), "u2", "Bob", "reached", "sorted out"
    )
    assert done.status == "done" and done.handler_name == "Bob"
    assert [(a.by_name, a.outcome, a.note) for a in done.attempts] == [
        ("Ann", "no_answer", "voicemail"),
        ("Bob", "reached", "sorted out"),
    ]
    assert await callbacks.waiting_count(tenant.account.id, str(team.id)) == 0  # type: ignore[arg-type]
    facts = await activity.events_between(
        tenant.account.id,
        clock() - dt.timedelta(hours=1),
        clock() + dt.timedelta(seconds=1),  # type: ignore[arg-type]
        ["callback_attempt"],
    )
    assert [(f.user_id, f.data["outcome"]) for f in facts] == [
        ("u1", "no_answer"),
        ("u2", "reached"),
    ]
    day = activity.local_day(clock())
    agents = {
        c.scope_id: c.counts
        for c in await activity.counters_between(tenant.account.id, "agent", day, day)
    }  # type: ignore[arg-type]
    assert agents["u1"] == {"callback_attempt": 1, "callback_reached": 0}
    assert agents["u2"] == {"callback_attempt": 1, "callback_reached": 1}
    with pytest.raises(callbacks.CallbackClosed):
        await callbacks.start_call(tenant.account.id, str(made.id), "u1", "Ann")  # type: ignore[arg-type]


async def test_an_attempt_needs_a_note_and_changes_nothing_without_one(
    clock: Clock, tenant: Tenant
) -> None:
    start, end = window(MONDAY, "10:00", "12:00")
    made = await callbacks.create(
        tenant.account, phone="+4520123456", window_from=start, window_until=end
    )
    for note in ("", "   ", None):
        with pytest.raises(callbacks.InvalidCallback) as caught:
            await callbacks.log_attempt(tenant.account, str(made.id), "u1", "Ann", "reached", note)
        assert caught.value.code == "note_required"
    again = await callbacks.get(tenant.account.id, made.id)  # type: ignore[arg-type]
    assert (again.status, again.attempts, again.last_note) == ("waiting", [], "")


async def test_two_agents_at_once_one_calls_the_other_is_told_who(
    clock: Clock, tenant: Tenant
) -> None:
    start, end = window(MONDAY, "10:00", "12:00")
    made = await callbacks.create(
        tenant.account, phone="+4520123456", window_from=start, window_until=end
    )
    results = await asyncio.gather(
        *[
            callbacks.start_call(tenant.account.id, str(made.id), uid, name)  # type: ignore[arg-type]
            for uid, name in (("u1", "Ann"), ("u2", "Bob"), ("u3", "Cid"))
        ],
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, CallbackRequest)]
    lost = [r for r in results if isinstance(r, callbacks.AlreadyCalling)]
    assert len(won) == 1 and len(lost) == 2, results
    winner = won[0]
    assert {e.handler_name for e in lost} == {winner.handler_name}
    loser_id = next(u for u in ("u1", "u2", "u3") if u != winner.handler_id)
    with pytest.raises(callbacks.AlreadyCalling):
        await callbacks.log_attempt(
            tenant.account, str(made.id), loser_id, "X", "reached", "me too"
        )
    stored = await callbacks.get(tenant.account.id, made.id)  # type: ignore[arg-type]
    assert stored.attempts == [] and stored.handler_id == winner.handler_id


@pytest.mark.parametrize(
    ("phone", "day", "start", "end", "code"),
    [
        ("12345", 0, "14:00", "16:00", "invalid_phone"),
        ("+45 1", 0, "14:00", "16:00", "invalid_phone"),
        ("+4520123456", 0, "06:00", "08:00", "window_past"),  # ended before 09:00
        ("+4520123456", 0, "12:00", "14:00", "window_not_offered"),
        ("+4520123456", 1, "10:00", "12:30", "window_not_offered"),
    ],
)
async def test_bad_phone_or_window_is_refused_and_nothing_stored(
    clock: Clock, hub: Hub, tenant: Tenant, phone: str, day: int, start: str, end: str, code: str
) -> None:
    team = await team_with_callbacks(hub, tenant)
    a, b = window(MONDAY + dt.timedelta(day), start, end)
    with pytest.raises(callbacks.InvalidCallback) as caught:
        await callbacks.create(
            tenant.account, phone=phone, window_from=a, window_until=b, team_id=str(team.id)
        )
    assert caught.value.code == code
    assert await CallbackRequest.find(CallbackRequest.account_id == tenant.account.id).count() == 0


async def test_retention_clears_old_notes_and_keeps_the_rest(clock: Clock, tenant: Tenant) -> None:
    start, end = window(MONDAY + dt.timedelta(1), "10:00", "12:00")
    made = await callbacks.create(
        tenant.account, phone="+4520123456", window_from=start, window_until=end
    )
    await callbacks.log_attempt(tenant.account, str(made.id), "u1", "Ann", "no_answer", "old note")
    clock.advance(days=10)
    await callbacks.log_attempt(tenant.account, str(made.id), "u1", "Ann", "reached", "new note")
    assert await callbacks.purge_notes(tenant.account.id, clock() - dt.timedelta(days=5)) == 1  # type: ignore[arg-type]
    kept = await callbacks.get(tenant.account.id, made.id)  # type: ignore[arg-type]
    assert [(a.outcome, a.note) for a in kept.attempts] == [
        ("no_answer", ""),
        ("reached", "new note"),
    ]
    assert kept.last_note == "new note"
    assert await callbacks.purge_notes(tenant.account.id, clock() + dt.timedelta(days=1)) == 1  # type: ignore[arg-type]
    gone = await callbacks.get(tenant.account.id, made.id)  # type: ignore[arg-type]
    assert gone.last_note == "" and [a.note for a in gone.attempts] == ["", ""]
