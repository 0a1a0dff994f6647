"""SLA policies (PRO): response and resolution targets for the conversations they apply to."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from hub.contract import now
from hub.models.base import TenantDocument


class AppliesTo(BaseModel):
    """Which new conversations a policy takes; an empty list (or a null ``vip``) matches any."""

    channel_ids: list[str] = []
    team_ids: list[str] = []
    priorities: list[str] = []
    vip: bool | None = None


class SlaPolicy(TenantDocument):
    name: str
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours_only: bool = False
    #: Stop the clocks while the conversation is ``pending`` (waiting on the customer).
    pause_when_pending: bool = False
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    updated_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "sla_policies"
        indexes = [[("account_id", 1), ("created_at", 1)]]
