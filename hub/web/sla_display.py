"""The SLA timer shown on a conversation and in lists: which clock, how long, what colour.

``sla_timer(conversation)`` (a template global) gives the earliest running clock as
``{"kind", "label", "short", "due", "risk", "state": "ok"|"risk"|"breached", "text", "now",
"words"}`` or None, in the reader's language; ``hub/static/sla.js`` keeps the text and colour
moving from the data attributes, with the same words (``words``, JSON: the formats and the
plural forms of "left" and "overdue").
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TypedDict

import jinja2

from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.models import Conversation
from hub.web import i18n
from hub.web.i18n import N_

#: Short names in the timer pill itself.
SHORT = {
    "first_response": N_("1st reply"),
    "next_response": N_("Reply"),
    "resolution": N_("Resolve"),
}
LABELS = {
    "first_response": N_("First response"),
    "next_response": N_("Next response"),
    "resolution": N_("Resolution"),
}
#: The compact spans: days and hours, hours and minutes, minutes, under a minute.
SPANS = {
    "dh": N_("%(d)sd %(h)sh"),
    "hm": N_("%(h)sh %(m)sm"),
    "m": N_("%(m)sm"),
    "lt": N_("<1m"),
}


def _span(s: int) -> tuple[str, int]:
    """The compact span of ``s`` seconds, and the count its plural follows (the leading unit)."""
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    values = {"d": days, "h": hours, "m": minutes}
    if days:
        return i18n.gettext(SPANS["dh"]) % values, days
    if hours:
        return i18n.gettext(SPANS["hm"]) % values, hours
    if minutes:
        return i18n.gettext(SPANS["m"]) % values, minutes
    return i18n.gettext(SPANS["lt"]), 0


def remaining(seconds: float) -> str:
    """``12m left``, ``1h 5m left``, ``2d 3h left``; ``3m overdue`` past the due time."""
    text, count = _span(int(abs(seconds)))
    if seconds < 0:
        return i18n.ngettext("%(time)s overdue", "%(time)s overdue", count) % {"time": text}
    return i18n.ngettext("%(time)s left", "%(time)s left", count) % {"time": text}


def words() -> str:
    """The timer's words in the reader's language, as JSON for ``sla.js``."""
    return json.dumps(
        {
            **{key: i18n.gettext(text) for key, text in SPANS.items()},
            "left": [i18n.ngettext("%(time)s left", "%(time)s left", n) for n in (1, 2)],
            "overdue": [i18n.ngettext("%(time)s overdue", "%(time)s overdue", n) for n in (1, 2)],
        }
    )


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
    words: str


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
        label=i18n.gettext(LABELS[kind]),
        short=i18n.gettext(SHORT[kind]),
        due=due,
        risk=risk if isinstance(risk, dt.datetime) else None,
        state=status,
        text=remaining((due - at).total_seconds()),
        now=at,
        words=words(),
    )


def install(env: jinja2.Environment) -> None:
    env.globals.update(sla_timer=sla_timer)
