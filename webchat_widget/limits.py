"""Rate limits per visitor and per IP, counted in the database so every process agrees.

A counter is one document per (scope, key): the first hit opens a window and
later hits within it increment the count, in one atomic update
(``hub.store.widget.count_hit``). Expired windows restart on the next hit; a TTL
index removes idle counters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hub.contract import now
from hub.widget_services import Database, count_hit


class RateLimited(Exception):
    """Too many requests in the window: answered 429 with Retry-After."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many requests ({scope}); try again in {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    hits: int
    window: dt.timedelta


async def hit(database: Database, scope: str, key: str, limit: Limit) -> None:
    """Count one request of ``key`` in ``scope``; raises ``RateLimited`` over the limit."""
    at = now()
    counted = await count_hit(database, scope, key, limit.window, at)
    if counted is not None and counted.hits > limit.hits:
        wait = max(1, int((counted.expires_at - at).total_seconds()) + 1)
        raise RateLimited(scope, wait)
