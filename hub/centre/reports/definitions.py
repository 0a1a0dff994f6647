"""The handling figures, each defined once (DESIGN.md "Reports"), over recorded facts.

Every surface that shows one of these figures reads it from here: the reports page and
its CSVs, ``GET /api/v1/reports/…`` (JSON and CSV), the CSAT page and its CSV, and the
wallboard's and queues' answered / unanswered today (``hub.centre.reports.live``).

- **openings**: a conversation opened (``opened``) or reopened by a customer's message
  (``reopened``). A business-initiated conversation (``business_opened``) opens when the
  customer first writes: until then it is neither answered nor unanswered (nobody asked
  anything), and its first response counts from the customer's first message.
- **answered / unanswered**: of the openings in a period (by the opening's time, in the
  account's time zone), those that got a first public reply by a person, and the rest.
  A first response belongs to the opening it answered (``opening_of``), never to the
  moment of the reply: "answered today" is the same number on the wallboard, the queues
  and the report's point for today.
- **assigned**: conversations assigned to the agent in the period; **handled**: of those,
  ones the agent replied to (publicly) in the period; **answer rate** = handled / assigned
  (None with nothing assigned).
- **first response**: from the opening's message to the first public reply by a person,
  attributed to the person who replied (``first_response`` facts: ``data.seconds``).
- **handle time**: from the agent's assignment to the resolution while assigned to them
  (``resolved`` facts: ``data.handle_seconds``).
- **transfers out**: handed by the agent to another agent or to a team (``transferred``
  facts; a colleague or supervisor taking it over is ``taken_over``, not the agent's
  transfer). A conversation's ``transfers`` counts the same hand-overs
  (``hub.store.facts.handover``).
- **CSAT**: the first rating a conversation got (``csat`` facts, one per conversation);
  answers, the count per rating 1-5 and the average to two decimals.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable

from pydantic import BaseModel

from hub.models import ActivityEvent

#: The fact kinds that open a conversation for the customer (new or reopened).
OPENINGS = ("opened", "reopened")
#: A conversation's row in the conversations report starts at its first opening, the
#: business's first message included (``business_opened``).
ROW_OPENINGS = (*OPENINGS, "business_opened")
RATINGS = tuple(str(n) for n in range(1, 6))


class Handling(BaseModel):
    """One agent's handling figures in a period."""

    assigned: int
    handled: int
    answer_rate: float | None
    avg_first_response_seconds: float | None
    avg_handle_seconds: float | None
    transfers_out: int
    outgoing_messages: int


class Csat(BaseModel):
    """The CSAT figures of a set of answers."""

    answers: int
    average: float | None
    ratings: dict[str, int]


def mean(values: list[float]) -> float | None:
    """The mean to one decimal; None without values."""
    return round(sum(values) / len(values), 1) if values else None


def median(values: list[float]) -> float | None:
    """The median to one decimal; None without values."""
    return round(statistics.median(values), 1) if values else None


def answer_rate(handled: int, assigned: int) -> float | None:
    """handled / assigned to four decimals; None with nothing assigned."""
    return round(handled / assigned, 4) if assigned else None


def unanswered(openings: int, answered: int) -> int:
    """The openings not (yet) answered by a person."""
    return max(0, openings - answered)


def response_seconds(fact: ActivityEvent) -> float:
    """A ``first_response`` fact's seconds from the opening's message to the reply."""
    return float(fact.data.get("seconds") or 0.0)


def opening_of(fact: ActivityEvent) -> dt.datetime:
    """When the opening a ``first_response`` fact answered began (its message's time)."""
    return fact.at - dt.timedelta(seconds=response_seconds(fact))


def handling(events: Iterable[ActivityEvent]) -> Handling:
    """One agent's figures from the agent's facts in the period."""
    facts = list(events)

    def of(kind: str) -> list[ActivityEvent]:
        return [e for e in facts if e.kind == kind]

    assigned = {e.conversation_id for e in of("assigned")}
    replied = {e.conversation_id for e in of("replied")}
    handled = len(assigned & replied)
    handle = [
        float(e.data["handle_seconds"])
        for e in of("resolved")
        if e.data.get("handle_seconds") is not None
    ]
    return Handling(
        assigned=len(assigned),
        handled=handled,
        answer_rate=answer_rate(handled, len(assigned)),
        avg_first_response_seconds=mean([response_seconds(e) for e in of("first_response")]),
        avg_handle_seconds=mean(handle),
        transfers_out=len(of("transferred")),
        outgoing_messages=len(of("replied")),
    )


def csat(ratings: Iterable[object]) -> Csat:
    """Answers, the count per rating and the average of ``ratings`` (others ignored)."""
    counts = dict.fromkeys(RATINGS, 0)
    for rating in ratings:
        if str(rating) in counts:
            counts[str(rating)] += 1
    answers = sum(counts.values())
    total = sum(int(k) * v for k, v in counts.items())
    return Csat(
        answers=answers,
        average=round(total / answers, 2) if answers else None,
        ratings=counts,
    )
