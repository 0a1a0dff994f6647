"""A team's callback settings: their validation, and the windows they offer on a given day.

Stored on the team as ``callback``::

    {"enabled": true, "offer_when_wait_minutes": 5, "offer_from": "08:00",
     "offer_until": "18:00", "windows": [["09:00", "11:00"], ["13:00", "15:00"]],
     "requeue_after_minutes": 30, "always_in_widget": false}

Times are local to the account's ``timezone``. ``requeue_after_minutes`` is the pause
before a no-answer callback is due again; ``always_in_widget`` shows the widget's
"call me back" panel even when the offer is not active.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict, cast
from zoneinfo import ZoneInfo


class CallbackSettings(TypedDict):
    """A team's callback settings (``Team.callback``), every field filled in."""

    enabled: bool
    offer_when_wait_minutes: int
    offer_from: str
    offer_until: str
    windows: list[list[str]]
    requeue_after_minutes: int
    always_in_widget: bool


DEFAULTS: CallbackSettings = {
    "enabled": False,
    "offer_when_wait_minutes": 5,
    "offer_from": "00:00",
    "offer_until": "23:59",
    "windows": [],
    "requeue_after_minutes": 30,
    "always_in_widget": False,
}
MAX_WINDOWS = 8
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class CallbackSettingsError(ValueError):
    """A team's ``callback`` settings are not valid; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


@dataclass(frozen=True)
class Window:
    """One concrete callback window (aware datetimes, UTC)."""

    start: dt.datetime
    end: dt.datetime


def _time(field: str, value: object) -> str:
    if not isinstance(value, str) or not _HHMM.match(value):
        raise CallbackSettingsError(field, "must be a time HH:MM (00:00-23:59)")
    return value


def _minutes(field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1440:
        raise CallbackSettingsError(field, "must be a whole number of minutes from 0 to 1440")
    return value


def _windows(value: object) -> list[list[str]]:
    if not isinstance(value, list) or len(value) > MAX_WINDOWS:
        raise CallbackSettingsError("callback.windows", f"must be a list of at most {MAX_WINDOWS}")
    found: list[list[str]] = []
    for i, pair in enumerate(value):
        where = f"callback.windows[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise CallbackSettingsError(where, 'must be ["HH:MM", "HH:MM"]')
        start, end = _time(where, pair[0]), _time(where, pair[1])
        if start >= end:
            raise CallbackSettingsError(where, "must start before it ends")
        found.append([start, end])
    if len({tuple(w) for w in found}) != len(found):
        raise CallbackSettingsError("callback.windows", "lists a window twice")
    return sorted(found)


def validate_callback_settings(value: object) -> CallbackSettings | None:
    """The settings with defaults filled in; raises ``CallbackSettingsError`` naming the field."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise CallbackSettingsError("callback", "must be an object or null")
    unknown = set(value) - set(DEFAULTS)
    if unknown:
        raise CallbackSettingsError(f"callback.{sorted(unknown)[0]}", "is not a setting")
    merged: dict[str, object] = {**DEFAULTS, **value}
    for flag in ("enabled", "always_in_widget"):
        if not isinstance(merged[flag], bool):
            raise CallbackSettingsError(f"callback.{flag}", "must be true or false")
    for name in ("offer_when_wait_minutes", "requeue_after_minutes"):
        merged[name] = _minutes(f"callback.{name}", merged[name])
    offer_from = merged["offer_from"] = _time("callback.offer_from", merged["offer_from"])
    offer_until = merged["offer_until"] = _time("callback.offer_until", merged["offer_until"])
    if offer_from >= offer_until:
        raise CallbackSettingsError("callback.offer_from", "must be before offer_until")
    merged["windows"] = _windows(merged["windows"])
    return cast(CallbackSettings, merged)


def settings_of(team_callback: Mapping[str, object] | None) -> CallbackSettings:
    """Stored settings read defensively: whatever is missing takes its default."""
    return cast(CallbackSettings, {**DEFAULTS, **(team_callback or {})})


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _at(day: dt.date, hhmm: str, tz: ZoneInfo) -> dt.datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    local = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz)
    return local.astimezone(dt.UTC)


def windows_on(settings: CallbackSettings, day: dt.date, tz: str | None) -> list[Window]:
    """The team's windows on the account-local ``day``."""
    zone_ = zone(tz)
    return [Window(_at(day, a, zone_), _at(day, b, zone_)) for a, b in settings["windows"]]


def remaining_windows(settings: CallbackSettings, at: dt.datetime, tz: str | None) -> list[Window]:
    """Today's windows that have not ended yet, then tomorrow's (account-local days)."""
    today = at.astimezone(zone(tz)).date()
    found = windows_on(settings, today, tz) + windows_on(settings, today + dt.timedelta(1), tz)
    return [w for w in found if w.end > at]


def in_offer_hours(settings: CallbackSettings, at: dt.datetime, tz: str | None) -> bool:
    """Whether the account-local time of ``at`` is within ``offer_from``..``offer_until``."""
    local = at.astimezone(zone(tz)).strftime("%H:%M")
    return bool(settings["offer_from"] <= local < settings["offer_until"])


def is_team_window(
    settings: CallbackSettings, start: dt.datetime, end: dt.datetime, tz: str | None
) -> bool:
    """Whether ``start``..``end`` is exactly one of the team's windows on its local day."""
    day = start.astimezone(zone(tz)).date()
    return any(w.start == start and w.end == end for w in windows_on(settings, day, tz))


def label(window: Window, tz: str | None, at: dt.datetime) -> str:
    """``09:00-11:00 today`` / ``… tomorrow`` / ``… Wed 4 Mar`` in the account's time zone."""
    zone_ = zone(tz)
    start, end = window.start.astimezone(zone_), window.end.astimezone(zone_)
    today = at.astimezone(zone_).date()
    if start.date() == today:
        day = "today"
    elif start.date() == today + dt.timedelta(1):
        day = "tomorrow"
    else:
        day = f"{start:%a} {start.day} {start:%b}"
    return f"{start:%H:%M}-{end:%H:%M} {day}"
