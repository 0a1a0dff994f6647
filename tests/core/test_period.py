"""Report periods: local midnights, buckets, and the reasons bad input is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.centre.reports.period import Period, PeriodError


def test_local_days_and_buckets() -> None:
    period = Period.parse("2026-03-28", "2026-03-29", "Europe/Copenhagen")
    assert period.start == dt.datetime(2026, 3, 27, 23, 0, tzinfo=dt.UTC)
    assert period.end == dt.datetime(2026, 3, 29, 22, 0, tzinfo=dt.UTC)  # summer time began
    assert period.buckets("day") == ["2026-03-28", "2026-03-29"]
    assert len(period.buckets("hour")) == 24 + 23  # the DST day has 23 hours
    assert period.bucket_of(dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), "day") == "2026-03-29"


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        ("2026-02-30", "2026-03-01", "invalid_date"),
        ("", "2026-03-01", "invalid_date"),
        ("20260301", "2026-03-01", "invalid_date"),
        ("2026-03-02", "2026-03-01", "invalid_range"),
        ("2025-01-01", "2026-02-05", "range_too_long"),
    ],
)
def test_refused(start: str, end: str, code: str) -> None:
    with pytest.raises(PeriodError) as caught:
        Period.parse(start, end)
    assert caught.value.code == code


def test_four_hundred_days_is_the_limit() -> None:
    assert Period.parse("2025-01-01", "2026-02-04").days == 400
    with pytest.raises(PeriodError):
        Period.parse("2026-01-01", "2026-03-01").check_interval("hour")
