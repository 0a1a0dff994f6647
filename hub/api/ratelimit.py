"""Per-account rate limits that hold across processes: one database counter per time window."""

from __future__ import annotations

import datetime as dt
import math

from beanie import PydanticObjectId

from hub.api.errors import ApiError
from hub.contract import now
from hub.store import ratelimits


async def count(
    account_id: PydanticObjectId,
    limit: int,
    window_seconds: int,
    together: ratelimits.RateHits | None = None,
) -> None:
    """Count one request of the account; past ``limit`` in the window, 429 with Retry-After.

    A fixed window keyed by its start: every process increments the same document,
    and the TTL index removes old windows. With ``together`` (``Hub.rate_hits``) the
    hits of concurrent requests are one increment.
    """
    at = now().timestamp()
    start = int(at // window_seconds) * window_seconds
    expires = dt.datetime.fromtimestamp(start + 2 * window_seconds, dt.UTC)
    if together is not None:
        hits = await together.submit((account_id, start, expires))
    else:
        hits = await ratelimits.count_hit(account_id, start, expires)
    if hits > limit:
        retry = max(1, math.ceil(start + window_seconds - at))
        raise ApiError(
            429,
            "rate_limited",
            f"over {limit} requests in {window_seconds} s; retry in {retry} s",
            headers={"Retry-After": str(retry)},
        )
