"""The routing lock: one assignment pass per account at a time, across every process."""

from __future__ import annotations

import datetime as dt

from beanie import Document


class RoutingLock(Document):
    """``_id`` is the account id (as a string). ``owner`` holds the pass until ``until``;
    ``pending`` asks the holder for one more pass (work arrived while it ran)."""

    id: str  # type: ignore[assignment]
    owner: str | None = None
    until: dt.datetime | None = None
    pending: bool = False

    class Settings:
        name = "routing_locks"
