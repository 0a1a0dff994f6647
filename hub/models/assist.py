"""Assist's monthly usage per account (``hub.store.assist``): uses and tokens per month."""

from __future__ import annotations

import pymongo
from pydantic import Field

from hub.models.base import TenantDocument


class AssistUsage(TenantDocument):
    """One account's assist use in one calendar month (UTC), counted as it happens.

    ``tokens_in``/``tokens_out`` add the endpoint's ``usage`` where it gave one and an
    estimate (characters / 4) where it did not; ``estimated_uses`` counts the latter.
    """

    #: ``YYYY-MM`` (UTC).
    month: str
    uses: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    estimated_uses: int = 0
    #: Uses per feature (``suggest``, ``summarize``, ``translate``, ``labels``, ``test``).
    by_feature: dict[str, int] = Field(default_factory=dict)

    class Settings:
        name = "assist_usage"
        indexes = [
            pymongo.IndexModel([("account_id", 1), ("month", 1)], unique=True),
        ]
