"""The hub's clock: ``now()`` is the only time the hub reads; tests set it with ``set_clock``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_clock: Callable[[], dt.datetime] | None = None


def now() -> dt.datetime:
    """The current time, timezone-aware UTC (the only clock the hub uses).

    Every time-dependent rule (SLA clocks, overflow, snooze, retention, callback
    offers) reads this, so a test can set the time with ``set_clock``.
    """
    if _clock is not None:
        return _clock()
    return dt.datetime.now(dt.UTC)


def set_clock(source: Callable[[], dt.datetime] | None = None) -> None:
    """Replace the hub's clock with ``source()`` (a callable returning aware UTC); None restores it."""
    global _clock
    _clock = source
