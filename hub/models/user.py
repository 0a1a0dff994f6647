"""Users: people who sign in. Agents, supervisors and admins hold a seat; dashboards don't."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pymongo
from pydantic import Field

from hub.models.base import TenantDocument

Role = Literal["agent", "supervisor", "admin", "dashboard"]
ROLES: tuple[str, ...] = ("agent", "supervisor", "admin", "dashboard")
#: ``dashboard`` ranks below everyone: it opens only the wallboard.
ROLE_RANK: dict[str, int] = {"dashboard": 0, "agent": 1, "supervisor": 2, "admin": 3}
#: Roles that take a paid seat (DESIGN.md: a dashboard user takes none).
SEAT_ROLES: tuple[str, ...] = ("agent", "supervisor", "admin")


class User(TenantDocument):
    email: str
    name: str = ""
    password_hash: str = Field(repr=False)
    role: Role = "agent"
    active: bool = True
    presence: Literal["available", "away", "offline"] = "offline"
    team_ids: list[str] = []
    last_seen_at: dt.datetime | None = None
    #: Open conversations the router may assign to the user at once; None is unlimited.
    capacity: int | None = None
    calendar_url: str | None = None
    #: The pages' language (en, da, sv, nb, nl, fr); None follows the account, then the browser.
    language: str | None = None
    #: An IANA time zone for the times the pages show; None follows the account.
    timezone: str | None = None
    #: Bumped to end every session of the user (sign-out, deactivation, password change):
    #: a session cookie carries the version it was made with and stops working after.
    session_version: int = 0
    #: SHA-256 of a one-time set-password link's token, and when it stops working.
    password_token_digest: str | None = Field(default=None, repr=False)
    password_token_expires: dt.datetime | None = None

    phone: str | None = None
    #: When the user was last given a conversation by round robin.
    last_assigned_at: dt.datetime | None = None
    # The calendar (``hub.centre.routing.calendars``): absence ``{"reason", "until", "title"}`` or None.
    calendar_show_title: bool = False
    absence: dict[str, Any] | None = None
    calendar_error: str | None = None
    calendar_checked_at: dt.datetime | None = None

    @property
    def takes_seat(self) -> bool:
        return self.active and self.role in SEAT_ROLES

    class Settings:
        name = "users"
        indexes = [
            pymongo.IndexModel([("email", 1)], unique=True),
            [("account_id", 1), ("active", 1)],
            [("password_token_digest", 1)],
            [("calendar_url", 1)],
            [("presence", 1)],  # the presence time-outs (stream leases: StreamLease),
        ]
