"""The API's shared state across processes: Idempotency-Key records and rate-limit counters."""

from __future__ import annotations

import datetime as dt

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field

from hub.contract import now


class IdempotencyRecord(Document):
    """The answer to the first request with an Idempotency-Key, kept for a day.

    ``id`` is ``<account id>:<key>``: a second request with the key finds it atomically.
    """

    id: str  # type: ignore[assignment]
    account_id: PydanticObjectId
    fingerprint: str
    #: None while the first request runs.
    status_code: int | None = None
    body: str | None = None
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "idempotency_keys"
        indexes = [
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=24 * 3600),
            [("account_id", 1)],
        ]


class RateCounter(Document):
    """Requests of one account in one window; ``id`` is ``<account id>:<window start>``."""

    id: str  # type: ignore[assignment]
    hits: int = 0
    expires_at: dt.datetime

    class Settings:
        name = "rate_counters"
        indexes = [pymongo.IndexModel([("expires_at", 1)], expireAfterSeconds=0)]
