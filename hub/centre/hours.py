"""Business hours and holidays: "is it open now", and minutes of business time between instants.

The stored shape (on the account, ``account.business_hours``, and on a team,
``team.business_hours``; either may be missing or null)::

    {
      "timezone": "Europe/Copenhagen",          # optional; else the account's timezone, else UTC
      "days": {"mon": [["09:00", "17:00"]],     # weekday -> open intervals, local time
               "tue": [["09:00", "12:00"], ["13:00", "17:00"]], ...},
      "holidays": ["2026-12-24", "2026-12-25"]  # local dates, closed all day
    }

For convenience the weekday keys may also sit at the top level (``{"mon": [...]}``),
``"monday"`` is read as ``"mon"``, and the account's own ``holidays`` list (dates, or
``{"date": …}`` objects) is added to the hours' holidays. A team's hours win over the
account's; holidays of both apply. ``Hours.always()`` is open around the clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from hub.models import Account, Team

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: How far ahead ``add`` looks for open time before it gives up (a calendar with no hours).
HORIZON_DAYS = 3 * 366
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class NoBusinessHours(ValueError):
    """The calendar is never open: no interval in any weekday."""


@dataclass(frozen=True)
class Hours:
    """A weekly calendar in one time zone, with closed dates."""

    tz: ZoneInfo
    week: dict[int, list[tuple[dt.time, dt.time | None]]] = field(default_factory=dict)
    holidays: frozenset[dt.date] = frozenset()
    around_the_clock: bool = False

    @classmethod
    def always(cls) -> Hours:
        return cls(ZoneInfo("UTC"), around_the_clock=True)

    @property
    def has_hours(self) -> bool:
        return self.around_the_clock or any(self.week.values())

    def intervals(self, start: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Open intervals (UTC) in time order, from the local day of ``start`` on."""
        if not any(self.week.values()):
            raise NoBusinessHours("no open hours on any weekday")
        day = start.astimezone(self.tz).date()
        for _ in range(HORIZON_DAYS):
            if day not in self.holidays:
                for opens, closes in self.week.get(day.weekday(), []):
                    begin = dt.datetime.combine(day, opens, self.tz)
                    end = (
                        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz)
                        if closes is None
                        else dt.datetime.combine(day, closes, self.tz)
                    )
                    yield begin.astimezone(dt.UTC), end.astimezone(dt.UTC)
            day += dt.timedelta(days=1)

    def is_open(self, at: dt.datetime) -> bool:
        if self.around_the_clock:
            return True
        local = at.astimezone(self.tz)
        if local.date() in self.holidays:
            return False
        for opens, closes in self.week.get(local.weekday(), []):
            if opens <= local.time() and (closes is None or local.time() < closes):
                return True
        return False

    def add(self, start: dt.datetime, seconds: float) -> dt.datetime:
        """The instant when ``seconds`` of business time have passed since ``start``."""
        if self.around_the_clock:
            return start + dt.timedelta(seconds=seconds)
        left = dt.timedelta(seconds=max(seconds, 0))
        for begin, end in self.intervals(start):
            if end <= start:
                continue
            begin = max(begin, start)
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise NoBusinessHours(f"no open hours within {HORIZON_DAYS} days")

    def seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        """Business seconds from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.seconds_between(end, start)
        if self.around_the_clock:
            return (end - start).total_seconds()
        total = 0.0
        for begin, close in self.intervals(start):
            if begin >= end:
                break
            lo, hi = max(begin, start), min(close, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total


def _time(value: Any) -> dt.time | None:
    text = str(value).strip()
    if text in ("24:00", "24:00:00"):
        return None  # midnight at the end of the day
    return dt.time.fromisoformat(text)


def _week(raw: dict[str, Any]) -> dict[int, list[tuple[dt.time, dt.time | None]]]:
    days = raw.get("days") if isinstance(raw.get("days"), dict) else raw
    week: dict[int, list[tuple[dt.time, dt.time | None]]] = {}
    for key, spans in (days or {}).items():
        name = str(key).lower()[:3]
        if name not in DAYS or not isinstance(spans, list):
            continue
        parsed = []
        for span in spans:
            try:
                opens, closes = _time(span[0]) or dt.time(0), _time(span[1])
            except (TypeError, ValueError, IndexError, KeyError):
                continue
            if closes is None or closes > opens:
                parsed.append((opens, closes))
        week[DAYS.index(name)] = sorted(parsed, key=lambda s: s[0])
    return week


def _dates(values: Any) -> set[dt.date]:
    found: set[dt.date] = set()
    for item in values if isinstance(values, list) else []:
        text = item.get("date") if isinstance(item, dict) else item
        try:
            found.add(dt.date.fromisoformat(str(text)[:10]))
        except ValueError:
            continue
    return found


def _zone(name: Any) -> ZoneInfo | None:
    try:
        return ZoneInfo(str(name)) if name else None
    except (KeyError, ValueError):
        return None


#: Where hours are read from: the documents themselves, or their raw (stored) shape.
Source = Account | Team | Mapping[str, object]


def _field(source: Source | None, name: str) -> Any:
    if source is None:
        return None
    if isinstance(source, Mapping):
        return source.get(name)
    return getattr(source, name, None)


def calendar(account: Source, team: Source | None = None) -> Hours | None:
    """The hours that apply to a conversation of ``team``; None if none are set.

    ``account`` and ``team`` are the documents (or their raw stored shape). Read
    defensively: any field may be missing or malformed, and a malformed one counts as
    not set.
    """
    own = _field(team, "business_hours")
    account_hours = _field(account, "business_hours")
    chosen = own if isinstance(own, dict) and _week(own) else account_hours
    if not isinstance(chosen, dict):
        return None
    week = _week(chosen)
    if not any(week.values()):
        return None
    holidays = _dates(chosen.get("holidays")) | _dates(_field(account, "holidays"))
    holidays |= _dates((account_hours if isinstance(account_hours, dict) else {}).get("holidays"))
    tz = _zone(chosen.get("timezone")) or _zone(_field(account, "timezone")) or ZoneInfo("UTC")
    return Hours(tz, week, frozenset(holidays))


class InvalidHours(ValueError):
    """The business_hours given cannot be read; the message names what is wrong."""


def is_open(hours: Mapping[str, object] | None, at: dt.datetime, tz: str = "UTC") -> bool:
    """Whether ``at`` falls inside ``hours`` (None, or no hours at all: always open)."""
    found = calendar({"business_hours": hours, "timezone": tz})
    return found is None or found.is_open(at)


class BusinessHours(BaseModel):
    """Business hours as stored and shown (on an account or a team): the one model of them."""

    #: An IANA time zone; None: the account's.
    timezone: str | None = None
    #: Weekday (``mon`` … ``sun``) to open spans ``[["09:00", "17:00"], …]``, local time.
    days: dict[str, list[list[str]]] = {}
    #: Local dates (``YYYY-MM-DD``) closed all day.
    holidays: list[str] = []

    def stored(self) -> dict[str, object]:
        """The stored shape: ``timezone`` only when one is set."""
        return self.model_dump(exclude_none=True)


def _days(hours: dict[str, Any]) -> dict[str, Any]:
    days = hours.get("days")
    return days if isinstance(days, dict) else {k: v for k, v in hours.items() if k in DAYS}


def validate(hours: object, field: str = "business_hours") -> BusinessHours | None:
    """``hours`` checked and normalized; ``InvalidHours`` names the field."""
    if hours is None:
        return None
    if not isinstance(hours, dict):
        raise InvalidHours(f"{field} must be an object or null")
    tz = hours.get("timezone")
    if tz is not None:
        try:
            ZoneInfo(str(tz))
        except (KeyError, ValueError):
            raise InvalidHours(f"{field}.timezone is not a known time zone") from None
    days = _days(hours)
    clean: dict[str, list[list[str]]] = {}
    for day, spans in days.items():
        if day not in DAYS or not isinstance(spans, list):
            raise InvalidHours(f"{field}.days.{day}: a day is mon..sun with a list of spans")
        for span in spans:
            ok = isinstance(span, list | tuple) and len(span) == 2
            if not ok or not all(isinstance(t, str) and _TIME.match(t) for t in span):
                raise InvalidHours(f'{field}.days.{day}: a span is ["HH:MM", "HH:MM"]')
            if span[0] >= span[1]:
                raise InvalidHours(f"{field}.days.{day}: a span ends after it starts")
        clean[day] = [list(s) for s in spans]
    holidays = hours.get("holidays") or []
    if not isinstance(holidays, list) or not all(isinstance(d, str) for d in holidays):
        raise InvalidHours(f"{field}.holidays must be a list of YYYY-MM-DD dates")
    for d in holidays:
        try:
            dt.date.fromisoformat(d)
        except ValueError:
            raise InvalidHours(f"{field}.holidays: {d!r} is not YYYY-MM-DD") from None
    return BusinessHours(
        timezone=None if tz is None else str(tz), days=clean, holidays=list(holidays)
    )
