"""The expected reply time a web chat shows: the median first response over recent days.

Read from the daily counters (``hub.facts.activity``), never from the message
history. Whoever records ``first_response`` passes ``first_response_amounts(seconds)``
as its ``amounts``: the sum of seconds, plus one count in a bucket of a small
histogram (``frt_bucket_<minutes>``: responses of at most that many minutes and
more than the bucket below). The median is the upper edge of the bucket that
holds the middle response. Days recorded without buckets fall back to the mean.
"""

from __future__ import annotations

import datetime as dt
import math

from beanie import PydanticObjectId

from hub.contract import now
from hub.facts.activity import counters_between, local_day

#: Upper edges of the histogram's buckets, in minutes; the last one takes everything longer.
BUCKETS = (1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 480, 720, 1440, 2880)
#: Fewer first responses than this in the window and no expectation is shown.
MIN_ANSWERS = 5
WINDOW_DAYS = 7


def bucket_of(seconds: float) -> int:
    """The bucket (its upper edge in minutes) a first response of ``seconds`` falls in."""
    minutes = seconds / 60
    return next((edge for edge in BUCKETS if minutes <= edge), BUCKETS[-1])


def first_response_amounts(seconds: float) -> dict[str, float]:
    """The ``amounts`` to record with a ``first_response`` fact."""
    return {"first_response_seconds": seconds, f"frt_bucket_{bucket_of(seconds)}": 1}


def median_minutes(counts: dict[str, float]) -> int | None:
    """The median first response in whole minutes from summed counters; None if too few."""
    answers = int(counts.get("first_response", 0))
    if answers < MIN_ANSWERS:
        return None
    histogram = [(edge, int(counts.get(f"frt_bucket_{edge}", 0))) for edge in BUCKETS]
    bucketed = sum(n for _, n in histogram)
    if bucketed >= MIN_ANSWERS:
        middle, seen = math.ceil(bucketed / 2), 0
        for edge, n in histogram:
            seen += n
            if seen >= middle:
                return edge
    mean = counts.get("first_response_seconds", 0) / answers / 60
    return max(1, math.ceil(mean))


async def typical_reply_minutes(
    account_id: PydanticObjectId, channel_id: str, *, tz: str = "UTC", days: int = WINDOW_DAYS
) -> int | None:
    """The channel's median first response over the last ``days`` days, or None."""
    today = now()
    first = local_day(today - dt.timedelta(days=days - 1), tz)
    rows = await counters_between(account_id, "channel", first, local_day(today, tz))
    total: dict[str, float] = {}
    for row in rows:
        if row.scope_id != channel_id:
            continue
        for key, value in row.counts.items():
            if key == "first_response" or key.startswith(("frt_bucket_", "first_response_")):
                total[key] = total.get(key, 0) + value
    return median_minutes(total)
