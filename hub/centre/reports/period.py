"""A report's period: ``from``/``to`` days (``YYYY-MM-DD``, inclusive) in the account's time zone.

``Period.parse`` checks the input (a bad date, ``from`` after ``to``, a range over
``MAX_DAYS``) and raises ``PeriodError`` with the field and reason; the views
answer 400 with it. The period's ``start``/``end`` are UTC instants (local
midnights), and its buckets are local hours or days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

MAX_DAYS = 400
#: Hourly series are for short periods: a month is 744 points already.
MAX_HOUR_DAYS = 31


class PeriodError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _day(value: str | None, field: str) -> dt.date:
    if not value:
        raise PeriodError("invalid_date", f"{field} is required, as YYYY-MM-DD")
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PeriodError("invalid_date", f"{field} must be a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    tz: str = "UTC"

    @classmethod
    def parse(cls, start: str | None, end: str | None, tz: str = "UTC") -> Period:
        first, last = _day(start, "from"), _day(end, "to")
        if first > last:
            raise PeriodError("invalid_range", "from must not be after to")
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError("range_too_long", f"a report covers at most {MAX_DAYS} days")
        return cls(first, last, tz)

    @property
    def zone(self) -> ZoneInfo:
        return zone(self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), self.zone).astimezone(dt.UTC)

    @property
    def start(self) -> dt.datetime:
        return self._midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return self._midnight(self.last + dt.timedelta(days=1))

    def check_interval(self, interval: str) -> None:
        if interval not in ("hour", "day"):
            raise PeriodError("invalid_interval", "interval must be hour or day")
        if interval == "hour" and self.days > MAX_HOUR_DAYS:
            raise PeriodError(
                "range_too_long", f"an hourly series covers at most {MAX_HOUR_DAYS} days"
            )

    def buckets(self, interval: str) -> list[str]:
        """Every bucket's label in order: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:00`` (local)."""
        days = [self.first + dt.timedelta(days=i) for i in range(self.days)]
        if interval == "day":
            return [d.isoformat() for d in days]
        labels: list[str] = []
        at = self.start
        while at < self.end:  # local hours: a DST day has 23 or 25
            labels.append(self.bucket_of(at, "hour"))
            at += dt.timedelta(hours=1)
        return list(dict.fromkeys(labels))

    def bucket_of(self, at: dt.datetime, interval: str) -> str:
        local = at.astimezone(self.zone)
        return local.date().isoformat() if interval == "day" else local.strftime("%Y-%m-%dT%H:00")

    @staticmethod
    def local_iso(at: dt.datetime, tz: str) -> str:
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        return at.astimezone(zone(tz)).isoformat()
