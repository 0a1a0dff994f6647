"""The queue board: per team, who can answer and who is waiting, as the wallboard shows it.

``board(account)`` is what the wallboard renders. Every figure on it is defined once in
``hub.centre.reports.live`` (the same ``/inbox/queues``, ``GET /api/v1/queues`` and the
reports show): agents available / away / offline / at capacity, waiting, longest wait,
answered and unanswered today, callbacks waiting, and on PRO the conversations whose SLA
is at risk. The board adds the colour levels of the account's thresholds.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.centre.reports import live
from hub.centre.reports.live import QueueAgents
from hub.centre.routing.queue_order import QueueOrders
from hub.models import Account

Level = Literal["ok", "amber", "red"]
DEFAULT_THRESHOLDS = {
    "wait_amber_minutes": 2,
    "wait_red_minutes": 5,
    "waiting_amber": 5,
    "waiting_red": 10,
}
#: The same shape as a queue's agents (``hub.centre.reports.live``).
AgentCounts = QueueAgents


class TeamBoard(BaseModel):
    """One team's row on the wallboard (and the no-team row: ``team_id`` None)."""

    team_id: PydanticObjectId | None
    name: str
    agents: AgentCounts
    waiting: int
    longest_wait_seconds: int
    oldest_waiting_since: dt.datetime | None
    answered_today: int
    unanswered_today: int
    callbacks_waiting: int
    #: None on a plan without SLA.
    sla_at_risk: int | None
    wait_level: Level
    waiting_level: Level


def thresholds(account: Account) -> dict[str, int]:
    """The account's wallboard thresholds over the defaults."""
    return {**DEFAULT_THRESHOLDS, **(account.wallboard_thresholds or {})}


def level(value: float, amber: float, red: float) -> Level:
    return "red" if value >= red else "amber" if value >= amber else "ok"


# ------------------------------------------------------------------ the board


async def board(account: Account, orders: QueueOrders | None = None) -> list[TeamBoard]:
    """Every team's row, by name, then the no-team row when it has anything to show.

    The figures are ``hub.centre.reports.live.snapshot``'s, the same the queue page and
    ``GET /api/v1/queues`` show; the board adds only its colour levels. ``orders``: the
    process's kept queue orders (no command for a kept queue's figures)."""
    limits = thresholds(account)
    rows = []
    for figures in await live.snapshot(account, "figures", orders):
        row = TeamBoard(
            team_id=figures.team_id,
            name=figures.name,
            agents=figures.agents,
            waiting=figures.waiting,
            longest_wait_seconds=figures.longest_wait_seconds,
            oldest_waiting_since=figures.oldest_waiting_since,
            answered_today=figures.today.answered,
            unanswered_today=figures.today.unanswered,
            callbacks_waiting=figures.callbacks_waiting,
            sla_at_risk=figures.sla_at_risk,
            wait_level=level(
                figures.longest_wait_seconds / 60,
                limits["wait_amber_minutes"],
                limits["wait_red_minutes"],
            ),
            waiting_level=level(figures.waiting, limits["waiting_amber"], limits["waiting_red"]),
        )
        shown = row.waiting or row.answered_today or row.unanswered_today or row.callbacks_waiting
        if row.team_id is not None or shown or row.sla_at_risk:
            rows.append(row)
    return rows
