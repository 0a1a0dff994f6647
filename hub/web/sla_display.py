"""The SLA timer shown on a conversation and in lists: which clock, how long, what colour.

``sla_timer(conversation)`` (a template global) gives the earliest running clock as
``{"kind", "label", "short", "due", "risk", "state": "ok"|"risk"|"breached", "text", "now"}`` or
None; ``hub/static/sla.js`` keeps the text and colour moving from the data attributes.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

import jinja2

from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.models import Conversation

#: Short names in the timer pill itself.
SHORT = {"first_response": "1st reply", "next_response": "Reply", "resolution": "Resolve"}
LABELS = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
}


def remaining(seconds: float) -> str:
    """``12m left``, ``1h 5m left``, ``2d 3h left``; ``3m overdue`` past the due time."""
    overdue = seconds < 0
    s = int(abs(seconds))
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes}m"
    else:
        text = f"{minutes}m" if minutes else "<1m"
    return f"{text} overdue" if overdue else f"{text} left"


class SlaTimer(TypedDict):
    """The conversation's nearest running SLA clock, as the pages show it."""

    kind: str
    label: str
    short: str
    due: dt.datetime
    risk: dt.datetime | None
    state: str
    text: str
    now: dt.datetime


def sla_timer(conversation: Conversation) -> SlaTimer | None:
    state = conversation.sla
    if not state or conversation.status == "resolved":
        return None
    live: list[tuple[str, dt.datetime]] = []
    for k in sla.running(state):
        value = state.get(f"{k}_due_at")
        if isinstance(value, dt.datetime):
            live.append((k, value))
    if not live:
        return None
    kind, due = min(live, key=lambda item: item[1])
    due = due if due.tzinfo else due.replace(tzinfo=dt.UTC)
    risk = (state.get("risk") or {}).get(kind)
    if isinstance(risk, dt.datetime) and risk.tzinfo is None:
        risk = risk.replace(tzinfo=dt.UTC)
    at = now()
    status = "breached" if at >= due else "risk" if risk is not None and at >= risk else "ok"
    return SlaTimer(
        kind=kind,
        label=LABELS[kind],
        short=SHORT[kind],
        due=due,
        risk=risk if isinstance(risk, dt.datetime) else None,
        state=status,
        text=remaining((due - at).total_seconds()),
        now=at,
    )


def install(env: jinja2.Environment) -> None:
    env.globals.update(sla_timer=sla_timer)
