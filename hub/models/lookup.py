"""Number look-ups: one answer of the account's directory per phone number, kept as a cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymongo

from hub.models.base import TenantDocument


class NumberLookup(TenantDocument):
    phone: str
    #: ``{"name", "address"}`` as found, or None when the directory knew nothing or failed.
    result: dict[str, Any] | None = None
    error: str | None = None
    looked_up_at: dt.datetime | None = None

    class Settings:
        name = "number_lookups"
        indexes = [pymongo.IndexModel([("account_id", 1), ("phone", 1)], unique=True)]
