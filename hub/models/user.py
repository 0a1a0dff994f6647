"""Users: people who sign in to the inbox. Each one holds a seat."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pymongo
from pydantic import Field

from hub.models.base import TenantDocument

Role = Literal["agent", "supervisor", "admin"]
ROLE_RANK: dict[str, int] = {"agent": 1, "supervisor": 2, "admin": 3}


class User(TenantDocument):
    email: str
    name: str = ""
    password_hash: str = Field(repr=False)
    role: Role = "agent"
    active: bool = True
    presence: Literal["available", "away", "offline"] = "offline"
    team_ids: list[str] = []
    last_seen_at: dt.datetime | None = None
    #: The pages' language (en, da, sv, nb, nl, fr); None follows the account, then the browser.
    language: str | None = None
    #: An IANA time zone for the times the pages show; None follows the account.
    timezone: str | None = None

    class Settings:
        name = "users"
        indexes = [
            pymongo.IndexModel([("email", 1)], unique=True),
            [("account_id", 1), ("active", 1)],
        ]
