"""Calendar absence: a user's ``calendar_url`` (ICS over HTTP) makes them absent during busy events.

Every ``PARLEY_CALENDAR_POLL_SECONDS`` (default 300; ``CalendarPoller``) and on
``parley calendars sync``, each user's calendar is fetched and read with ``icalendar`` and
``recurring-ical-events`` (recurring meetings, exceptions and time zones included). An
event that is busy — not ``TRANSP:TRANSPARENT``, not ``STATUS:CANCELLED``, and with
Outlook's ``X-MICROSOFT-CDO-BUSYSTATUS`` (if any) ``BUSY`` or ``OOF`` — and covers now makes
the user absent::

    user.absence = {"kind": "busy"|"out_of_office", "title": …, "since": …, "until": …}

(overlapping events merge into one ``until``). Colleagues see ``{"reason", "until"}``:
the title only if the user chose ``calendar_show_title``, else "Busy" / "Out of office".
Routing skips absent users (``hub.centre.routing.availability``). A URL that fails or does not
answer ICS is kept as ``calendar_error`` on the user (shown on their page) and logged; it
changes nothing else and never stops the other users' sync.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import Any

import httpx
import icalendar
import recurring_ical_events
from beanie import PydanticObjectId

from hub import tasks
from hub.centre.routing import assignment
from hub.contract import now
from hub.models import User
from hub.store import users as user_store
from hub.store.users import Absence

log = logging.getLogger(__name__)
FETCH_TIMEOUT = 10.0
MAX_BYTES = 5 * 1024 * 1024
#: How far ahead events are read, to merge back-to-back meetings into one absence.
HORIZON = dt.timedelta(hours=24)
BUSY_STATES = {"BUSY", "OOF"}


class CalendarError(Exception):
    """The calendar could not be read; the message says why, for the user's page."""


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)  # an all-day date


def _busy(event: Any) -> str | None:
    """``busy`` / ``out_of_office`` for an event that blocks time; None for a free one."""
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    state = str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "BUSY")).upper()
    if state not in BUSY_STATES:
        return None
    return "out_of_office" if state == "OOF" else "busy"


def absence_at(ics: bytes, at: dt.datetime) -> Absence | None:
    """The absence the calendar ``ics`` gives at ``at``, or None; ``CalendarError`` if unreadable."""
    try:
        calendar = icalendar.Calendar.from_ical(ics)
        events = recurring_ical_events.of(calendar).between(at - HORIZON, at + HORIZON)
    except Exception as exc:  # the libraries raise many kinds for bad input
        raise CalendarError(f"not a readable ICS calendar ({type(exc).__name__})") from None
    spans = []
    for event in events:
        kind = _busy(event)
        start, end = event.get("DTSTART"), event.get("DTEND")
        if kind is None or start is None:
            continue
        begin = _aware(start.dt)
        finish = _aware(end.dt) if end is not None else begin + dt.timedelta(hours=1)
        spans.append((begin, finish, kind, str(event.get("SUMMARY", "") or "")))
    return _merge(sorted(spans), at)


def _merge(
    spans: list[tuple[dt.datetime, dt.datetime, str, str]], at: dt.datetime
) -> Absence | None:
    current: Absence | None = None
    for begin, finish, kind, title in spans:
        if current is None:
            if begin <= at < finish:
                current = Absence(kind=kind, title=title, since=begin, until=finish)
        elif begin <= current.until:
            current.until = max(current.until, finish)
    return current


def reason(user: User) -> str:
    """What colleagues read for the user's absence."""
    found = user.absence or {}
    if user.calendar_show_title and found.get("title"):
        return str(found["title"])
    return "Out of office" if found.get("kind") == "out_of_office" else "Busy"


async def fetch(http: httpx.AsyncClient, url: str) -> bytes:
    try:
        response = await http.get(url, timeout=FETCH_TIMEOUT, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise CalendarError(f"the calendar did not answer ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise CalendarError(f"the calendar answered HTTP {response.status_code}")
    if len(response.content) > MAX_BYTES or b"BEGIN:VCALENDAR" not in response.content[:4096]:
        raise CalendarError("the calendar URL did not answer an ICS calendar")
    return response.content


async def sync_user(http: httpx.AsyncClient, user: User) -> bool:
    """Read one user's calendar and store their absence (or error); True when absent."""
    assert user.id is not None
    checked_at = now()
    try:
        absence = absence_at(await fetch(http, user.calendar_url or ""), now())
    except CalendarError as exc:
        log.warning("calendar of user %s: %s", user.id, exc)
        await user_store.store_calendar_error(user.account_id, user.id, str(exc), checked_at)
        known = user.absence  # keep what was known; a failed read changes nothing else
        return known is not None and _aware(known["until"]) > now()
    await user_store.store_absence(user.account_id, user.id, absence, checked_at)
    return absence is not None and _aware(absence.until) > now()


async def sync_all(http: httpx.AsyncClient, account_id: PydanticObjectId | None = None) -> int:
    """Sync every user with a calendar URL; returns how many are absent now."""
    absent = 0
    accounts = set()
    for user in await user_store.calendar_users_all_accounts():
        if not user.active or (account_id is not None and user.account_id != account_id):
            continue
        try:
            absent += await sync_user(http, user)
        except Exception:  # one user's calendar never breaks the others' sync
            log.exception("calendar sync of user %s failed", user.id)
        accounts.add(user.account_id)
    for account in accounts:
        await assignment.dispatch(account)  # an absence that ended frees an agent
    return absent


async def failing_count() -> int:
    """How many active users' calendars failed at their last read."""
    users = await user_store.calendar_users_all_accounts()
    return sum(1 for u in users if u.active and u.calendar_error)


class CalendarPoller(tasks.Periodic):
    """Reads every calendar every ``interval`` seconds; one per ``parley serve``."""

    def __init__(self, http: httpx.AsyncClient, interval: float) -> None:
        self.http = http
        super().__init__("calendars", functools.partial(sync_all, http), interval)
