"""SLA clocks (PRO): which policy a new conversation gets, and its clocks' state machine.

Three clocks per conversation, each with a target in minutes from its policy:
- ``first_response``: from the first inbound message (or the reopening message) to the
  first public reply by a person;
- ``next_response``: from each customer message after a reply to the next reply;
- ``resolution``: from opening (or reopening) to resolved.

With ``business_hours_only`` the clocks run only inside the team's (else the account's)
hours and not on holidays (``hub.centre.hours``): due times are computed in business
time when a clock starts. With ``pause_when_pending`` a ``pending`` conversation keeps
its remaining business time and the clocks resume when it is opened again or the
customer writes.

All state is on the conversation (``sla`` plus the indexed ``sla_next_due``, ``sla_due``
and ``sla_risk_at``), changed by an optimistic write conditioned on ``sla.v``, so several
processes agree and a restart loses nothing. ``tick`` finds due breaches with a range
read on ``sla_next_due``; each breach is claimed by that conditional write (once per
clock and due time, even with many processes), recorded (``sla_breached``), sent as
``sla.breached`` and shown live (``sla_breached_at`` changes). The hooks are called in
ingest (inbound), the outbox (a person's public reply) and status changes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from beanie import PydanticObjectId

from hub.centre import hours
from hub.contract import now
from hub.errors import PlanRequired
from hub.facts import activity
from hub.integrations.representations import sla_public
from hub.models import Account, Contact, Conversation, SlaPolicy, Team
from hub.models.conversation import SLA_KINDS
from hub.store import paging

log = logging.getLogger(__name__)
KINDS = SLA_KINDS
#: The share of a target after which a clock is "at risk" (amber in the inbox).
RISK_SHARE = 0.8
#: Lower bound of the due-time ranges, so the planner reads a bounded index range.
FLOOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
TICK_BATCH = 500
#: The plans that include SLA: the ``sla`` column of ``hub.tenants.plans.PLANS``, restated
#: here because the core's lower layers may not import ``hub.tenants``; a test holds
#: the two equal.
SLA_PLANS = frozenset({"PRO"})


def has_sla(plan_name: object) -> bool:
    return str(plan_name or "").upper() in SLA_PLANS


def require_sla(plan_name: object) -> None:
    """Refuse an SLA feature on a plan without it (402 ``plan_required``)."""
    if not has_sla(plan_name):
        raise PlanRequired("SLA features need the PRO plan")


State = dict[str, Any]
Breach = dict[str, Any]


# --------------------------------------------------------------------------- matching


def _specificity(policy: SlaPolicy) -> int:
    scope = policy.applies_to
    return sum(
        (
            bool(scope.channel_ids),
            bool(scope.team_ids),
            bool(scope.priorities),
            scope.vip is not None,
        )
    )


def matches(policy: SlaPolicy, conv: dict[str, Any], vip: bool) -> bool:
    """Whether ``policy`` applies to the (raw) conversation ``conv``."""
    scope = policy.applies_to
    return (
        (not scope.channel_ids or str(conv.get("channel_id")) in scope.channel_ids)
        and (not scope.team_ids or str(conv.get("team_id")) in scope.team_ids)
        and (not scope.priorities or conv.get("priority", "normal") in scope.priorities)
        and (scope.vip is None or scope.vip == vip)
    )


async def policy_for(account: dict[str, Any], conv: dict[str, Any]) -> SlaPolicy | None:
    """The most specific of the account's policies that applies (oldest first on a tie);
    None on a plan without SLA (policies are kept but do not apply) or for a bot's conversation."""
    if not has_sla(account.get("plan")):
        return None
    if conv.get("handler") == "bot":
        return None
    policies = await SlaPolicy.find({"account_id": account["_id"]}).sort("+created_at").to_list()
    if not policies:
        return None
    vip = False
    if conv.get("contact_id"):
        contact = await paging.by_id(
            Contact.get_pymongo_collection(), account["_id"], conv["contact_id"], {"vip": 1}
        )
        vip = bool((contact or {}).get("vip"))
    fitting = [p for p in policies if matches(p, conv, vip)]
    return max(fitting, key=_specificity) if fitting else None


# --------------------------------------------------------------------------- clocks


class _Account:
    """The account's document, read on first use only (most transitions never need it)."""

    def __init__(self, account_id: PydanticObjectId) -> None:
        self.id = account_id
        self._doc: dict[str, Any] | None = None

    async def doc(self) -> dict[str, Any]:
        if self._doc is None:
            self._doc = await _account_doc(self.id)
        return self._doc


async def _calendar(lazy: _Account, conv: dict[str, Any], state: State) -> hours.Hours:
    if not state.get("business_hours_only"):
        return hours.Hours.always()
    account = await lazy.doc()
    team = None
    if conv.get("team_id"):
        try:
            team_id = PydanticObjectId(conv["team_id"])
        except Exception:
            team_id = None
        team = await Team.get_pymongo_collection().find_one(
            {"_id": team_id, "account_id": account["_id"]}
        )
    # Hours removed after the policy was saved: the clock runs around the clock.
    return hours.calendar(account, team) or hours.Hours.always()


def new_state(policy: SlaPolicy) -> State:
    return {
        "policy_id": str(policy.id),
        "policy_name": policy.name,
        "targets": {
            "first_response": policy.first_response_minutes,
            "next_response": policy.next_response_minutes,
            "resolution": policy.resolution_minutes,
        },
        "business_hours_only": policy.business_hours_only,
        "pause_when_pending": policy.pause_when_pending,
        "first_response_due_at": None,
        "next_response_due_at": None,
        "resolution_due_at": None,
        "risk": {},
        "started": {},
        "done": {},
        "paused": {},
        "breaches": [],
        "breach_keys": [],
        "replied": False,
        "stopped": False,
        "v": 0,
    }


def _due(state: State, kind: str) -> dt.datetime | None:
    value = state.get(f"{kind}_due_at")
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value if isinstance(value, dt.datetime) else None


def running(state: State) -> list[str]:
    """The clocks that are counting now (started, not met, not paused, not stopped)."""
    return [k for k in KINDS if _due(state, k) is not None and k not in state["done"]]


def _ms(at: dt.datetime) -> dt.datetime:
    """Cut to milliseconds, as the database stores it, so keys agree after a round trip."""
    return at.replace(microsecond=at.microsecond // 1000 * 1000)


def breach_key(kind: str, due: dt.datetime) -> str:
    return f"{kind}:{due.isoformat()}"


def _start(
    state: State, kind: str, at: dt.datetime, cal: hours.Hours, seconds: float | None = None
) -> None:
    minutes = state["targets"].get(kind)
    if not minutes:
        return
    total = minutes * 60.0
    left = total if seconds is None else seconds
    state[f"{kind}_due_at"] = _ms(cal.add(at, left))
    risk_left = left - total * (1 - RISK_SHARE)
    state["risk"][kind] = _ms(cal.add(at, risk_left) if risk_left > 0 else at)
    state["started"][kind] = at
    state["done"].pop(kind, None)
    state["paused"].pop(kind, None)


def _finish(state: State, kind: str, at: dt.datetime) -> bool:
    """Stop a running clock as met (True) or as already breached (False); None if not running."""
    if kind not in running(state):
        return False
    state["done"][kind] = at
    due = _due(state, kind)
    return due is not None and breach_key(kind, due) not in state["breach_keys"] and at <= due


def derived(state: State | None) -> dict[str, Any]:
    """The indexed fields that follow from the clocks (what tick, sort and risk read)."""
    if not state:
        return {"sla_next_due": None, "sla_due": None, "sla_risk_at": None}
    live = running(state)
    dues = {k: _due(state, k) for k in live}
    unbreached = [d for k, d in dues.items() if d and breach_key(k, d) not in state["breach_keys"]]
    risks = [state["risk"][k] for k in live if k in state["risk"]]
    return {
        "sla_next_due": min(unbreached, default=None),
        "sla_due": min((d for d in dues.values() if d), default=None),
        "sla_risk_at": min(risks, default=None),
    }


# --------------------------------------------------------------------------- transitions

Step = Callable[[State, dict[str, Any], dt.datetime], Awaitable[list[tuple[str, str]] | None]]


async def _transition(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    at: dt.datetime,
    step: Step,
    create: bool = False,
) -> tuple[dict[str, Any], State, list[tuple[str, str]]] | None:
    """Apply ``step`` to the conversation's clocks; written only if no one changed them
    meanwhile (``sla.v``), else read again and retried. ``step`` returns the facts it
    produced (``[("met"|"breached", kind)]``) or None for "nothing changed"."""
    collection = Conversation.get_pymongo_collection()
    for _ in range(5):
        conv = await paging.by_id(collection, account_id, conversation_id)
        if conv is None or (conv.get("sla") is None and not create):
            return None
        previous = conv.get("sla")
        state: State = _copy(previous) if previous else {}
        facts = await step(state, conv, at)
        if facts is None or not state:
            return None
        state["v"] = int(state.get("v", 0)) + 1
        guard: dict[str, Any] = {"_id": conversation_id, "account_id": account_id}
        guard["sla.v"] = previous["v"] if previous else None
        if previous is None:
            guard["sla"] = None
        fields: dict[str, Any] = {"sla": state, **derived(state)}
        breached = [kind for fact, kind in facts if fact == "breached"]
        if breached:  # hub.integrations.event_webhooks sends these as sla.breached
            fields["sla_breached_at"] = at
            fields["sla_last_breaches"] = [b for b in state["breaches"] if b["kind"] in breached][
                -len(breached) :
            ]
        result = await collection.update_one(guard, {"$set": fields})
        if result.modified_count:
            return conv, state, facts
    log.warning("SLA clocks of %s not updated: too many concurrent changes", conversation_id)
    return None


def _copy(state: State) -> State:
    copied = dict(state)
    for key in ("risk", "started", "done", "paused", "targets"):
        copied[key] = dict(state.get(key) or {})
    copied["breaches"] = list(state.get("breaches") or [])
    copied["breach_keys"] = list(state.get("breach_keys") or [])
    return copied


async def _account_doc(account_id: PydanticObjectId) -> dict[str, Any]:
    return await Account.get_pymongo_collection().find_one({"_id": account_id}) or {
        "_id": account_id
    }


async def on_inbound(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime, created: bool
) -> None:
    """A customer message arrived: start the clocks of a new conversation (if a policy
    applies), restart them on a reopened one, start next response after a reply."""
    account = _Account(account_id)

    async def step(
        state: State, conv: dict[str, Any], at: dt.datetime
    ) -> list[tuple[str, str]] | None:
        if not state:
            policy = await policy_for(await account.doc(), conv) if created else None
            if policy is None:
                return None
            state.update(new_state(policy))
            cal = await _calendar(account, conv, state)
            _start(state, "first_response", at, cal)
            _start(state, "resolution", at, cal)
            return []
        cal = await _calendar(account, conv, state)
        if state.get("stopped"):  # reopened: a new cycle
            state.update(
                stopped=False, replied=False, next_response_due_at=None, done={}, paused={}
            )
            _start(state, "first_response", at, cal)
            _start(state, "resolution", at, cal)
            return []
        changed = _resume(state, at, cal)
        if (
            state.get("replied")
            and "next_response" not in running(state)
            and state["targets"].get("next_response")
            and "next_response" not in state["paused"]
        ):
            _start(state, "next_response", at, cal)
            changed = True
        return [] if changed else None

    result = await _transition(account_id, conversation_id, at, step, create=created)
    if result is not None:
        log.debug("SLA clocks of %s moved on an inbound message", conversation_id)


async def on_reply(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> None:
    """A person replied in public: first response (once a cycle) and next response are met."""

    async def step(
        state: State, conv: dict[str, Any], at: dt.datetime
    ) -> list[tuple[str, str]] | None:
        if state.get("stopped"):
            return None
        facts: list[tuple[str, str]] = []
        for kind in ("first_response", "next_response"):
            if kind in running(state):
                facts.append(("met" if _finish(state, kind, at) else "ended", kind))
        if not state.get("replied"):
            state["replied"] = True
            return facts
        return facts or None

    await _record_met(account_id, conversation_id, at, step)


async def on_status(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, status: str, at: dt.datetime
) -> None:
    """The conversation's status changed: resolve stops every clock (resolution met or
    not); ``pending`` pauses them if the policy says so; ``open`` resumes them."""
    account = _Account(account_id)

    async def step(
        state: State, conv: dict[str, Any], at: dt.datetime
    ) -> list[tuple[str, str]] | None:
        if status == "resolved":
            if state.get("stopped"):
                return None
            facts = []
            if "resolution" in running(state):
                facts.append(("met" if _finish(state, "resolution", at) else "ended", "resolution"))
            for kind in running(state):
                state["done"][kind] = at
            state.update(stopped=True, paused={})
            return facts
        cal = await _calendar(account, conv, state)
        if status == "pending" and state.get("pause_when_pending"):
            return [] if _pause(state, at, cal) else None
        if status == "open":
            return [] if _resume(state, at, cal) else None
        return None

    await _record_met(account_id, conversation_id, at, step)


def _pause(state: State, at: dt.datetime, cal: hours.Hours) -> bool:
    paused = False
    for kind in running(state):
        due = _due(state, kind)
        if due is None or breach_key(kind, due) in state["breach_keys"]:
            continue  # a breached clock stays breached
        state["paused"][kind] = cal.seconds_between(at, due)
        state[f"{kind}_due_at"] = None
        state["risk"].pop(kind, None)
        paused = True
    return paused


def _resume(state: State, at: dt.datetime, cal: hours.Hours) -> bool:
    paused = dict(state.get("paused") or {})
    for kind, seconds in paused.items():
        _start(state, kind, at, cal, seconds=float(seconds))
    return bool(paused)


async def _record_met(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime, step: Step
) -> None:
    result = await _transition(account_id, conversation_id, at, step)
    if result is None:
        return
    conv, state, facts = result
    if not any(fact == "met" for fact, _ in facts):
        return
    account = await _account_doc(account_id)
    for fact, kind in facts:
        if fact == "met":
            await _record(account, conv, state, "sla_met", kind, at)


async def _record(
    account: dict[str, Any],
    conv: dict[str, Any],
    state: State,
    what: str,
    kind: str,
    at: dt.datetime,
) -> None:
    await activity.record(
        account["_id"],
        what,
        at=at,
        tz=str(account.get("timezone") or "UTC"),
        conversation_id=conv["_id"],
        user_id=conv.get("assignee_id"),
        team_id=conv.get("team_id"),
        channel_id=str(conv.get("channel_id")),
        actor={"type": "system", "id": "sla"},
        data={"kind": kind, "policy_id": state.get("policy_id")},
    )


# --------------------------------------------------------------------------- breaches


async def tick(at: dt.datetime | None = None) -> int:
    """Record every breach due by ``at`` (default: now); returns how many this call claimed.

    Reads ``sla_next_due`` in a bounded range (its own index, every account); each breach
    is claimed by the conditional write of ``_transition``, so two processes ticking at
    once record and send it once (``hub.integrations.event_webhooks`` sends ``sla.breached``
    from the write's ``sla_last_breaches``).
    """
    at = at or now()
    collection = Conversation.get_pymongo_collection()
    found = (
        await collection.find(
            {"sla_next_due": {"$gte": FLOOR, "$lte": at}}, {"_id": 1, "account_id": 1}
        )
        .limit(TICK_BATCH)
        .to_list()
    )
    claimed = 0
    plans_seen: dict[PydanticObjectId, dict[str, Any]] = {}
    for doc in found:
        account_id = doc["account_id"]
        if account_id not in plans_seen:
            plans_seen[account_id] = await _account_doc(account_id)
        account = plans_seen[account_id]
        if not has_sla(account.get("plan")):
            # Downgraded: the policies stop applying, and so do the running clocks.
            await collection.update_one(
                {"_id": doc["_id"], "account_id": account_id}, {"$set": {"sla_next_due": None}}
            )
            continue
        claimed += await _breach(account, doc["_id"], at)
    return claimed


async def _breach(
    account: dict[str, Any], conversation_id: PydanticObjectId, at: dt.datetime
) -> int:
    async def step(
        state: State, conv: dict[str, Any], at: dt.datetime
    ) -> list[tuple[str, str]] | None:
        facts = []
        for kind in running(state):
            due = _due(state, kind)
            if due is None or due > at or breach_key(kind, due) in state["breach_keys"]:
                continue
            state["breach_keys"].append(breach_key(kind, due))
            state["breaches"].append({"kind": kind, "at": due})
            facts.append(("breached", kind))
        return facts or None

    result = await _transition(account["_id"], conversation_id, at, step)
    if result is None:
        return 0
    conv, state, facts = result
    for _, kind in facts:
        breach = next(b for b in reversed(state["breaches"]) if b["kind"] == kind)
        await _record(account, conv, state, "sla_breached", kind, breach["at"])
    return len(facts)


# --------------------------------------------------------------------------- reading


public = sla_public


async def at_risk_count(account_id: PydanticObjectId, team_id: str | None = None) -> int:
    """Open conversations whose earliest running clock has used 80% of its target or more
    (breached ones included); 0 on a plan without SLA. For the wallboard and reports."""
    account = await _account_doc(account_id)
    if not has_sla(account.get("plan")):
        return 0
    query: dict[str, Any] = {"account_id": account_id}
    if team_id is not None:
        query["team_id"] = team_id
    query["sla_risk_at"] = {"$gte": FLOOR, "$lte": now()}
    return await Conversation.get_pymongo_collection().count_documents(query)


async def due_soonest(
    account_id: PydanticObjectId, keep: Callable[[dict[str, Any]], bool], limit: int = 25
) -> list[Conversation]:
    """The account's conversations with a running clock, the soonest due first (the
    inbox's "due soonest" sort): a range read on the (account, sla_due) index, which
    holds only conversations whose clocks run; ``keep`` applies the list's other filters."""
    found = Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "sla_due": {"$gte": FLOOR}}
    )
    rows = [doc async for doc in found if keep(doc)]
    rows.sort(key=lambda d: (d["sla_due"], d["_id"]))
    return [Conversation.model_validate(d) for d in rows[:limit]]
