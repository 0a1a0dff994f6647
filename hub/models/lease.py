"""Leases: one document per periodic job, so that only one process runs it per period."""

from __future__ import annotations

import datetime as dt

from beanie import Document


class Lease(Document):
    """``_id`` names the job (``retention``); ``done`` is the last period it finished."""

    id: str  # type: ignore[assignment]
    owner: str = ""
    until: dt.datetime | None = None
    done: str | None = None

    class Settings:
        name = "leases"
