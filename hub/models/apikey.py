"""API keys: stored as a SHA-256 digest; the key itself is shown once."""

from __future__ import annotations

import datetime as dt

import pymongo

from hub.models.base import TenantDocument


class ApiKey(TenantDocument):
    name: str = "default"
    #: The key's visible prefix, to tell keys apart in lists.
    prefix: str
    digest: str
    revoked: bool = False
    last_used_at: dt.datetime | None = None

    class Settings:
        name = "api_keys"
        indexes = [pymongo.IndexModel([("digest", 1)], unique=True), [("account_id", 1)]]
