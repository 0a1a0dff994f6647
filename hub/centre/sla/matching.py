"""Which SLA policy a new conversation gets, and the plans that have SLA at all."""

from __future__ import annotations

from hub.errors import PlanRequired
from hub.models import Account, SlaPolicy
from hub.store import contacts as contact_store
from hub.store import sla as store
from hub.store.sla import ClockedConversation

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


def matches(policy: SlaPolicy, conv: ClockedConversation, vip: bool) -> bool:
    """Whether ``policy`` applies to the conversation ``conv``."""
    scope = policy.applies_to
    return (
        (not scope.channel_ids or str(conv.channel_id) in scope.channel_ids)
        and (not scope.team_ids or str(conv.team_id) in scope.team_ids)
        and (not scope.priorities or conv.priority in scope.priorities)
        and (scope.vip is None or scope.vip == vip)
    )


async def policy_for(account: Account | None, conv: ClockedConversation) -> SlaPolicy | None:
    """The most specific of the account's policies that applies (oldest first on a tie);
    None on a plan without SLA (policies are kept but do not apply) or for a bot's conversation."""
    if account is None or not has_sla(account.plan):
        return None
    if conv.handler == "bot":
        return None
    policies = await store.list_policies(conv.account_id)
    if not policies:
        return None
    vip = False
    if conv.contact_id is not None:
        vip = await contact_store.contact_is_vip(conv.account_id, conv.contact_id)
    fitting = [p for p in policies if matches(p, conv, vip)]
    return max(fitting, key=_specificity) if fitting else None
