"""Opening hours: is a team (else its account) open at a moment?

The stored shape (``Team.business_hours``, ``Account.business_hours``)::

    {"timezone": "Europe/Copenhagen",            # optional; else the account's time zone
     "days": {"mon": [["09:00", "17:00"]], …},   # a day missing or [] is closed
     "holidays": ["2026-12-24", …]}              # whole days closed (local dates)

For convenience the day keys may also sit at the top level (``{"mon": [...], …}``), and
``None`` means always open. Anything unreadable counts as always open: a bad setting must
never silence a queue (the API validates the shape on the way in with ``validate``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


class InvalidHours(ValueError):
    """The business_hours given cannot be read; the message names what is wrong."""


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _days(hours: dict[str, Any]) -> dict[str, Any]:
    days = hours.get("days")
    return days if isinstance(days, dict) else {k: v for k, v in hours.items() if k in DAYS}


def is_open(hours: dict[str, Any] | None, at: dt.datetime, tz: str = "UTC") -> bool:
    """Whether ``at`` falls inside ``hours`` (None: always open)."""
    if not hours:
        return True
    try:
        local = at.astimezone(_zone(hours.get("timezone") or tz))
        if local.date().isoformat() in (hours.get("holidays") or []):
            return False
        spans = _days(hours).get(DAYS[local.weekday()]) or []
        clock = local.strftime("%H:%M")
        return any(str(start) <= clock < str(end) for start, end in spans)
    except (TypeError, ValueError, AttributeError):
        return True


def validate(hours: Any, field: str = "business_hours") -> dict[str, Any] | None:
    """``hours`` checked and normalized to the stored shape; ``InvalidHours`` names the field."""
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
    out: dict[str, Any] = {"days": clean, "holidays": holidays}
    if tz is not None:
        out["timezone"] = str(tz)
    return out
