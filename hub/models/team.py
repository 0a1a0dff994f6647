"""Teams: groups of agents a conversation can be routed or transferred to; each one is a queue."""

from __future__ import annotations

from typing import Any, Literal

import pymongo
from pydantic import BaseModel

from hub.models.base import TenantDocument

Assignment = Literal["manual", "round_robin", "least_busy"]


class Overflow(BaseModel):
    """Waiting longer than ``after_minutes`` in this team's queue moves a conversation on."""

    after_minutes: int
    team_id: str


class Team(TenantDocument):
    name: str
    member_ids: list[str] = []
    assignment: Assignment = "manual"
    #: The team's opening hours (shape: ``hub.centre.hours``); None: the account's.
    business_hours: dict[str, Any] | None = None
    out_of_office_text: str | None = None
    overflow: Overflow | None = None
    #: The callback offer (``hub.centre.callbacks.lifecycle``); kept as given.
    callback: dict[str, Any] | None = None
    #: The member round robin gave the last conversation to.
    rr_last: str | None = None

    class Settings:
        name = "teams"
        indexes = [
            pymongo.IndexModel([("account_id", 1), ("name", 1)], unique=True),
            # The callback offer's sweep over every account (callbacks.teams_offering_all_accounts):
            # without it the sweep read every team of every account each time.
            [("callback.enabled", 1)],
        ]
