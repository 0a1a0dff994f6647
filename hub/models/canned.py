"""Canned responses: saved answers an agent inserts in the composer by typing ``/shortcut``."""

from __future__ import annotations

import pymongo

from hub.models.base import TenantDocument


class CannedResponse(TenantDocument):
    #: What the agent types after ``/`` (letters, digits, ``-`` and ``_``).
    shortcut: str
    text: str

    class Settings:
        name = "canned_responses"
        indexes = [pymongo.IndexModel([("account_id", 1), ("shortcut", 1)], unique=True)]
