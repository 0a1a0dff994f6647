"""Users: people who sign in to the inbox. Each one holds a seat."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

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
    #: Open conversations assigned at once, at most; None: unlimited (``hub.centre.assignment``).
    capacity: int | None = None
    phone: str | None = None
    language: str | None = None
    timezone: str | None = None
    #: When the user was last given a conversation by round robin.
    last_assigned_at: dt.datetime | None = None
    # Inbox streams (``hub.centre.presence``): how many are open, when the last one closed,
    # and the heartbeat of the open ones (a crashed process leaves its count behind).
    streams_open: int = 0
    stream_closed_at: dt.datetime | None = None
    stream_seen_at: dt.datetime | None = None
    # The calendar (``hub.centre.calendars``): absence ``{"reason", "until", "title"}`` or None.
    calendar_url: str | None = None
    calendar_show_title: bool = False
    absence: dict[str, Any] | None = None
    calendar_error: str | None = None
    calendar_checked_at: dt.datetime | None = None

    class Settings:
        name = "users"
        indexes = [
            pymongo.IndexModel([("email", 1)], unique=True),
            [("account_id", 1), ("active", 1)],
            [("calendar_url", 1)],
            [("presence", 1), ("streams_open", 1)],
        ]
