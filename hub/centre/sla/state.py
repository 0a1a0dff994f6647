"""The SLA clocks' state machine: the one place their state (``SlaClocks``) moves.

Each clock is *idle* (no due time), *running* (a due time, not done), *paused* (its
remaining business seconds kept, no due time), *done* (met or ended, with when), and a
running clock past its due time is *breached* once (``breach_keys``). A resolve stops
every clock (``stopped``); an inbound message after that starts a new cycle.

The functions here change the ``SlaClocks`` they are given (the caller works on a
``model_copy(deep=True)`` of the stored clocks) and read nothing: the calendar comes in.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from hub.centre import hours
from hub.models import SlaPolicy
from hub.models.sla_clocks import SLA_KINDS, SlaBreach, SlaClocks, SlaKind, SlaTargets
from hub.store.sla import SlaDue

#: The share of a target after which a clock is "at risk" (amber in the inbox).
RISK_SHARE = 0.8

#: What a transition did to a clock: met in time, ended (stopped late or after its
#: breach), or breached now.
FactKind = Literal["met", "ended", "breached"]
Fact = tuple[FactKind, SlaKind]


def new_state(policy: SlaPolicy) -> SlaClocks:
    """Idle clocks with ``policy``'s targets."""
    return SlaClocks(
        policy_id=str(policy.id),
        policy_name=policy.name,
        targets=SlaTargets(
            first_response=policy.first_response_minutes,
            next_response=policy.next_response_minutes,
            resolution=policy.resolution_minutes,
        ),
        business_hours_only=policy.business_hours_only,
        pause_when_pending=policy.pause_when_pending,
    )


def running(state: SlaClocks) -> list[SlaKind]:
    """The clocks that are counting now (started, not met, not paused, not stopped)."""
    return [k for k in SLA_KINDS if state.due(k) is not None and k not in state.done]


def at_risk(state: SlaClocks, at: dt.datetime) -> list[SlaKind]:
    """The running clocks that have used their risk share of the target by ``at``
    (breached ones included): the one definition of "SLA at risk"."""
    return [k for k in running(state) if k in state.risk and _aware(state.risk[k]) <= at]


def overdue(state: SlaClocks, at: dt.datetime) -> list[SlaKind]:
    """The running clocks past their due time at ``at``: "SLA breached" and still open."""
    return [k for k in running(state) if (due := state.due(k)) is not None and due <= at]


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _ms(at: dt.datetime) -> dt.datetime:
    """Cut to milliseconds, as the database stores it, so keys agree after a round trip."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def breach_key(kind: SlaKind, due: dt.datetime) -> str:
    return f"{kind}:{due.isoformat()}"


def is_breached(state: SlaClocks, kind: SlaKind) -> bool:
    due = state.due(kind)
    return due is not None and breach_key(kind, due) in state.breach_keys


def start(
    state: SlaClocks,
    kind: SlaKind,
    at: dt.datetime,
    cal: hours.Hours,
    seconds: float | None = None,
) -> None:
    """Start (or resume, with the ``seconds`` left) a clock that has a target."""
    minutes = state.targets.of(kind)
    if not minutes:
        return
    total = minutes * 60.0
    left = total if seconds is None else seconds
    state.set_due(kind, _ms(cal.add(at, left)))
    risk_left = left - total * (1 - RISK_SHARE)
    state.risk[kind] = _ms(cal.add(at, risk_left) if risk_left > 0 else at)
    state.started[kind] = at
    state.done.pop(kind, None)
    state.paused.pop(kind, None)


def finish(state: SlaClocks, kind: SlaKind, at: dt.datetime) -> FactKind | None:
    """Stop a running clock: ``met`` in time, ``ended`` when late or breached; None if it
    was not running."""
    if kind not in running(state):
        return None
    state.done[kind] = at
    due = state.due(kind)
    met = due is not None and breach_key(kind, due) not in state.breach_keys and at <= due
    return "met" if met else "ended"


def start_cycle(state: SlaClocks, at: dt.datetime, cal: hours.Hours) -> None:
    """A new conversation, or a resolved one reopened: first response and resolution run."""
    if state.stopped:
        state.stopped = False
        state.replied = False
        state.next_response_due_at = None
        state.done = {}
        state.paused = {}
    start(state, "first_response", at, cal)
    start(state, "resolution", at, cal)


def on_customer(state: SlaClocks, at: dt.datetime, cal: hours.Hours) -> bool:
    """A customer message on running clocks: paused ones resume, and after a reply the
    next response clock starts. True if anything changed."""
    changed = resume(state, at, cal)
    if (
        state.replied
        and "next_response" not in running(state)
        and state.targets.next_response
        and "next_response" not in state.paused
    ):
        start(state, "next_response", at, cal)
        changed = True
    return changed


def on_reply(state: SlaClocks, at: dt.datetime) -> list[Fact] | None:
    """A person's public reply: first response (once a cycle) and next response stop."""
    if state.stopped:
        return None
    facts: list[Fact] = []
    for kind in ("first_response", "next_response"):
        outcome = finish(state, kind, at)
        if outcome is not None:
            facts.append((outcome, kind))
    if not state.replied:
        state.replied = True
        return facts
    return facts or None


def on_resolved(state: SlaClocks, at: dt.datetime) -> list[Fact] | None:
    """Resolved: resolution is met (or ended) and every other clock stops."""
    if state.stopped:
        return None
    facts: list[Fact] = []
    outcome = finish(state, "resolution", at)
    if outcome is not None:
        facts.append((outcome, "resolution"))
    for kind in running(state):
        state.done[kind] = at
    state.stopped = True
    state.paused = {}
    return facts


def pause(state: SlaClocks, at: dt.datetime, cal: hours.Hours) -> bool:
    """Keep each running clock's remaining business time; a breached clock stays breached."""
    paused = False
    for kind in running(state):
        due = state.due(kind)
        if due is None or breach_key(kind, due) in state.breach_keys:
            continue
        state.paused[kind] = cal.seconds_between(at, due)
        state.set_due(kind, None)
        state.risk.pop(kind, None)
        paused = True
    return paused


def resume(state: SlaClocks, at: dt.datetime, cal: hours.Hours) -> bool:
    """Start every paused clock again with the time it had left."""
    paused = dict(state.paused)
    for kind, seconds in paused.items():
        start(state, kind, at, cal, seconds=float(seconds))
    return bool(paused)


def breach_due(state: SlaClocks, at: dt.datetime) -> list[Fact] | None:
    """Record every running clock due by ``at`` as breached, once per clock and due time."""
    facts: list[Fact] = []
    for kind in running(state):
        due = state.due(kind)
        if due is None or due > at or breach_key(kind, due) in state.breach_keys:
            continue
        state.breach_keys.append(breach_key(kind, due))
        state.breaches.append(SlaBreach(kind=kind, at=due))
        facts.append(("breached", kind))
    return facts or None


def last_breach(state: SlaClocks, kind: SlaKind) -> SlaBreach:
    return next(b for b in reversed(state.breaches) if b.kind == kind)


def derived(state: SlaClocks | None) -> SlaDue:
    """The indexed fields that follow from the clocks (what tick, sort and risk read)."""
    if state is None:
        return SlaDue()
    live = running(state)
    dues = {k: state.due(k) for k in live}
    unbreached = [d for k, d in dues.items() if d and breach_key(k, d) not in state.breach_keys]
    risks = [state.risk[k] for k in live if k in state.risk]
    return SlaDue(
        sla_next_due=min(unbreached, default=None),
        sla_due=min((d for d in dues.values() if d), default=None),
        sla_risk_at=min(risks, default=None),
    )
