"""SLA clocks (PRO): the hooks that move a conversation's clocks, and the breach sweep.

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

All state is on the conversation (``sla``, a ``SlaClocks``, plus the indexed
``sla_next_due``, ``sla_due`` and ``sla_risk_at``), changed by an optimistic write
conditioned on ``sla.v`` (``hub.store.sla.write_clocks``), so several processes agree
and a restart loses nothing. The state machine itself is ``hub.centre.sla.state``;
which policy applies is ``hub.centre.sla.matching``. ``tick`` finds due breaches with a
range read on ``sla_next_due``; each breach is claimed by that conditional write (once
per clock and due time, even with many processes), recorded (``sla_breached``), sent as
``sla.breached`` and shown live (``sla_breached_at`` changes). The hooks are called in
ingest (inbound), the outbox (a person's public reply) and every change of status or
handler (``hub.centre.changes``, the one path of such changes).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping

from beanie import PydanticObjectId

from hub.centre import hours
from hub.centre.sla import state as machine
from hub.centre.sla.matching import SLA_PLANS, has_sla, policy_for, require_sla
from hub.centre.sla.state import Fact
from hub.contract import now
from hub.facts import activity
from hub.models import Account, Conversation
from hub.models.sla_clocks import SLA_KINDS, SlaClocks, SlaKind
from hub.store import accounts as account_store
from hub.store import sla as store
from hub.store import teams as team_store
from hub.store.ids import try_id
from hub.store.sla import FLOOR, ClockedConversation

__all__ = [
    "FLOOR",
    "KINDS",
    "SLA_PLANS",
    "TICK_BATCH",
    "due_soonest",
    "has_sla",
    "on_handed_to_people",
    "on_inbound",
    "on_reply",
    "on_status",
    "require_sla",
    "running",
    "tick",
]

log = logging.getLogger(__name__)
KINDS = SLA_KINDS
TICK_BATCH = 500


class _Account:
    """The account, read on first use only (most transitions never need it)."""

    def __init__(self, account_id: PydanticObjectId) -> None:
        self.id = account_id
        self._read = False
        self._doc: Account | None = None

    async def doc(self) -> Account | None:
        if not self._read:
            self._doc = await account_store.get_account(self.id)
            self._read = True
        return self._doc


async def _calendar(lazy: _Account, conv: ClockedConversation, state: SlaClocks) -> hours.Hours:
    if not state.business_hours_only:
        return hours.Hours.always()
    account = await lazy.doc()
    team = None
    team_id = try_id(conv.team_id) if conv.team_id else None
    if team_id is not None:
        team = await team_store.find_team(lazy.id, team_id)
    raw_account = account.model_dump() if account is not None else {}
    raw_team = team.model_dump() if team is not None else None
    # Hours removed after the policy was saved: the clock runs around the clock.
    return hours.calendar(raw_account, raw_team) or hours.Hours.always()


# --------------------------------------------------------------------------- transitions

#: A transition: given a copy of the clocks (None: the conversation has none yet), the
#: clocks to write and the facts it produced, or None for "nothing changed".
Step = Callable[
    [SlaClocks | None, ClockedConversation, dt.datetime],
    Awaitable[tuple[SlaClocks, list[Fact]] | None],
]


async def _transition(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    at: dt.datetime,
    step: Step,
    create: bool = False,
) -> tuple[ClockedConversation, SlaClocks, list[Fact]] | None:
    """Apply ``step`` to the conversation's clocks; written only if no one changed them
    meanwhile (``sla.v``), else read again and retried."""
    for _ in range(5):
        conv = await store.read_clocks(account_id, conversation_id)
        if conv is None or (conv.sla is None and not create):
            return None
        previous = conv.sla
        moved = await step(
            previous.model_copy(deep=True) if previous is not None else None, conv, at
        )
        if moved is None:
            return None
        state, facts = moved
        state.v = (previous.v if previous is not None else 0) + 1
        breached = [kind for fact, kind in facts if fact == "breached"]
        written = await store.write_clocks(
            account_id,
            conversation_id,
            state,
            previous.v if previous is not None else None,
            machine.derived(state),
            # hub.integrations.event_webhooks sends these as sla.breached
            breached_at=at if breached else None,
            last_breaches=[b for b in state.breaches if b.kind in breached][-len(breached) :]
            if breached
            else None,
        )
        if written:
            return conv, state, facts
    log.warning("SLA clocks of %s not updated: too many concurrent changes", conversation_id)
    return None


async def on_inbound(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime, created: bool
) -> None:
    """A customer's question arrived: start the clocks of a new conversation (if a policy
    applies), restart them on a reopened one, start next response after a reply.

    Only a question a person is to answer moves a clock: never one in a conversation a
    bot handles, nor one that left the conversation resolved or snoozed (a survey answer
    is stored in the resolved conversation and opens nothing). The caller leaves out
    automated messages and survey answers (``hub.centre.rules``)."""
    account = _Account(account_id)

    async def step(
        state: SlaClocks | None, conv: ClockedConversation, at: dt.datetime
    ) -> tuple[SlaClocks, list[Fact]] | None:
        if conv.handler != "human" or conv.status not in ("open", "pending"):
            return None
        if state is None:
            policy = await policy_for(await account.doc(), conv) if created else None
            if policy is None:
                return None
            state = machine.new_state(policy)
            machine.start_cycle(state, at, await _calendar(account, conv, state))
            return state, []
        cal = await _calendar(account, conv, state)
        if state.stopped:  # reopened: a new cycle
            machine.start_cycle(state, at, cal)
            return state, []
        return (state, []) if machine.on_customer(state, at, cal) else None

    result = await _transition(account_id, conversation_id, at, step, create=created)
    if result is not None:
        log.debug("SLA clocks of %s moved on an inbound message", conversation_id)


async def on_handed_to_people(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> None:
    """A bot handed the conversation to people: its clocks start as for a new conversation
    (if a policy applies), or a new cycle on clocks a resolution stopped."""
    account = _Account(account_id)

    async def step(
        state: SlaClocks | None, conv: ClockedConversation, at: dt.datetime
    ) -> tuple[SlaClocks, list[Fact]] | None:
        if conv.handler != "human" or conv.status != "open":
            return None
        if state is None:
            policy = await policy_for(await account.doc(), conv)
            if policy is None:
                return None
            state = machine.new_state(policy)
        elif not state.stopped:
            return None  # already running for people
        machine.start_cycle(state, at, await _calendar(account, conv, state))
        return state, []

    await _transition(account_id, conversation_id, at, step, create=True)


async def on_reply(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> None:
    """A person replied in public: first response (once a cycle) and next response are met."""

    async def step(
        state: SlaClocks | None, conv: ClockedConversation, at: dt.datetime
    ) -> tuple[SlaClocks, list[Fact]] | None:
        if state is None:
            return None
        facts = machine.on_reply(state, at)
        return None if facts is None else (state, facts)

    await _record_met(account_id, conversation_id, at, step)


async def on_status(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, status: str, at: dt.datetime
) -> None:
    """The conversation's status changed: resolve stops every clock (resolution met or
    not); ``pending`` pauses them if the policy says so; ``open`` resumes them."""
    account = _Account(account_id)

    async def step(
        state: SlaClocks | None, conv: ClockedConversation, at: dt.datetime
    ) -> tuple[SlaClocks, list[Fact]] | None:
        if state is None:
            return None
        if status == "resolved":
            facts = machine.on_resolved(state, at)
            return None if facts is None else (state, facts)
        cal = await _calendar(account, conv, state)
        if status == "pending" and state.pause_when_pending:
            return (state, []) if machine.pause(state, at, cal) else None
        if status == "open":
            return (state, []) if machine.resume(state, at, cal) else None
        return None

    await _record_met(account_id, conversation_id, at, step)


async def _record_met(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime, step: Step
) -> None:
    result = await _transition(account_id, conversation_id, at, step)
    if result is None:
        return
    conv, state, facts = result
    if not any(fact == "met" for fact, _ in facts):
        return
    account = await account_store.get_account(account_id)
    for fact, kind in facts:
        if fact == "met":
            await _record(account_id, account, conv, state, "sla_met", kind, at)


async def _record(
    account_id: PydanticObjectId,
    account: Account | None,
    conv: ClockedConversation,
    state: SlaClocks,
    what: str,
    kind: SlaKind,
    at: dt.datetime,
) -> None:
    await activity.record(
        account_id,
        what,
        at=at,
        tz=str((account.timezone if account is not None else None) or "UTC"),
        conversation_id=conv.id,
        user_id=conv.assignee_id,
        team_id=conv.team_id,
        channel_id=str(conv.channel_id),
        actor={"type": "system", "id": "sla"},
        data={"kind": kind, "policy_id": state.policy_id},
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
    claimed = 0
    accounts_seen: dict[PydanticObjectId, Account | None] = {}
    for due in await store.due_clocks_all_accounts(at, TICK_BATCH):
        account_id = due.account_id
        if account_id not in accounts_seen:
            accounts_seen[account_id] = await account_store.get_account(account_id)
        account = accounts_seen[account_id]
        if account is None or not has_sla(account.plan):
            # Downgraded: the policies stop applying, and so do the running clocks.
            await store.clear_next_due(account_id, due.conversation_id)
            continue
        claimed += await _breach(account_id, account, due.conversation_id, at)
    return claimed


async def _breach(
    account_id: PydanticObjectId,
    account: Account,
    conversation_id: PydanticObjectId,
    at: dt.datetime,
) -> int:
    async def step(
        state: SlaClocks | None, conv: ClockedConversation, at: dt.datetime
    ) -> tuple[SlaClocks, list[Fact]] | None:
        if state is None:
            return None
        facts = machine.breach_due(state, at)
        return None if facts is None else (state, facts)

    result = await _transition(account_id, conversation_id, at, step)
    if result is None:
        return 0
    conv, state, facts = result
    for _, kind in facts:
        breach = machine.last_breach(state, kind)
        await _record(account_id, account, conv, state, "sla_breached", kind, breach.at)
    return len(facts)


# --------------------------------------------------------------------------- reading


def running(state: SlaClocks | Mapping[str, object]) -> list[SlaKind]:
    """The clocks counting now, of typed clocks or of a conversation's stored ``sla``."""
    clocks = state if isinstance(state, SlaClocks) else SlaClocks.model_validate(state)
    return machine.running(clocks)


async def due_soonest(
    account_id: PydanticObjectId, keep: Callable[[Mapping[str, object]], bool], limit: int = 25
) -> list[Conversation]:
    """The account's conversations with a running clock, the soonest due first (the
    inbox's "due soonest" sort); ``keep`` applies the list's other filters."""
    return await store.by_sla_due(account_id, keep, limit)
