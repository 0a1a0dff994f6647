"""Facts recorded as they happen (assignments, replies, transfers, resolutions…) and daily counters.

Reports, queues and the wallboard read these, never the message history: a month's
report is a small range read over ``activity_events`` or ``daily_counters``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymongo
from beanie import PydanticObjectId

from hub.models.base import TenantDocument


class ActivityEvent(TenantDocument):
    """One fact about a conversation or an agent, with its actor and time."""

    at: dt.datetime
    #: ``opened``, ``reopened``, ``assigned``, ``transferred``, ``replied``, ``first_response``,
    #: ``resolved``, ``presence``, ``sla_breached``, ``csat``, ``callback_attempt``, …
    kind: str
    conversation_id: PydanticObjectId | None = None
    #: The agent the fact is about (the assignee, the replier, the one who transferred).
    user_id: str | None = None
    team_id: str | None = None
    channel_id: str | None = None
    #: Who caused it: ``{"type": "user"|"api_key"|"bot"|"system", "id": …}``.
    actor: dict[str, Any] = {}
    data: dict[str, Any] = {}

    class Settings:
        name = "activity_events"
        indexes = [
            # Reports over a period: a bounded range on (account, at).
            [("account_id", 1), ("at", 1)],
            # One kind in a period (first responses for the median, openings for the rows)
            # and retention: one kind's facts before a cut-off (presence history).
            [("account_id", 1), ("kind", 1), ("at", 1)],
        ]


class DailyCounter(TenantDocument):
    """Running counts for one day (account's time zone) and one scope, updated with ``$inc``."""

    day: str  # YYYY-MM-DD
    scope: str  # "account" | "team" | "agent" | "channel"
    scope_id: str  # "" for the account scope
    counts: dict[str, float] = {}

    class Settings:
        name = "daily_counters"
        indexes = [
            # The $inc upsert of one counter (and one scope id's days, as a prefix range).
            pymongo.IndexModel(
                [("account_id", 1), ("scope", 1), ("scope_id", 1), ("day", 1)], unique=True
            ),
            # counters_between: every counter of one scope over a range of days. Exactly
            # these fields, so SecantusDB's planner uses it ((account_id, day) plus a
            # scope filter made it scan the collection).
            [("account_id", 1), ("scope", 1), ("day", 1)],
        ]
