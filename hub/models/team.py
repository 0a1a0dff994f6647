"""Teams: groups of agents a conversation can be routed or transferred to."""

from __future__ import annotations

import pymongo

from hub.models.base import TenantDocument


class Team(TenantDocument):
    name: str

    class Settings:
        name = "teams"
        indexes = [pymongo.IndexModel([("account_id", 1), ("name", 1)], unique=True)]
