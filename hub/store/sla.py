"""SLA queries: the account's policies, and the clocks stored on its conversations.

Policies live in ``sla_policies``; the clocks (``hub.models.sla_clocks.SlaClocks``) on
each conversation (``sla``, with the indexed ``sla_next_due``, ``sla_due`` and
``sla_risk_at`` that follow from them). The clocks are written by an optimistic write
conditioned on ``sla.v`` (``write_clocks``), so several processes agree. Every read of
a time is a bounded range on its own index (``FLOOR``..``at``): the planner reads index
ranges, never sorts by index.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.models import Conversation, SlaPolicy
from hub.models.sla_clocks import SlaBreach, SlaClocks
from hub.models.sla_policy import AppliesTo
from hub.store import paging
from hub.store.paging import FLOOR

__all__ = [
    "FLOOR",
    "ClockedConversation",
    "DueClock",
    "PolicyFields",
    "SlaDue",
    "at_risk_clocks",
    "by_sla_due",
    "clear_next_due",
    "delete_policy",
    "due_clocks_all_accounts",
    "get_policy",
    "insert_policy",
    "list_policies",
    "read_clocks",
    "update_policy",
    "write_clocks",
]


# --------------------------------------------------------------------------- policies


class PolicyFields(BaseModel):
    """The fields of a policy that a change sets (checked by ``hub.centre.sla.policies``)."""

    name: str
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours_only: bool = False
    pause_when_pending: bool = False
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    updated_at: dt.datetime


async def list_policies(account_id: PydanticObjectId, oldest_first: bool = True) -> list[SlaPolicy]:
    """The account's policies (oldest first, or in the order the database gives)."""
    found = SlaPolicy.find({"account_id": account_id})
    if oldest_first:
        found = found.sort("+created_at")
    return await found.to_list()


async def get_policy(account_id: PydanticObjectId, policy_id: PydanticObjectId) -> SlaPolicy | None:
    return await SlaPolicy.find_one({"_id": policy_id, "account_id": account_id})


async def insert_policy(policy: SlaPolicy) -> SlaPolicy:
    await policy.insert()
    return policy


async def update_policy(
    account_id: PydanticObjectId, policy_id: PydanticObjectId, fields: PolicyFields
) -> None:
    await SlaPolicy.get_pymongo_collection().update_one(
        {"_id": policy_id, "account_id": account_id}, {"$set": fields.model_dump()}
    )


async def delete_policy(account_id: PydanticObjectId, policy_id: PydanticObjectId) -> None:
    await SlaPolicy.get_pymongo_collection().delete_one(
        {"_id": policy_id, "account_id": account_id}
    )


# --------------------------------------------------------------------------- clocks


class ClockedConversation(BaseModel):
    """What the clocks read of a conversation: its routing facts and its clocks."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: PydanticObjectId = Field(alias="_id")
    account_id: PydanticObjectId
    channel_id: PydanticObjectId | None = None
    team_id: str | None = None
    assignee_id: str | None = None
    contact_id: PydanticObjectId | None = None
    priority: str = "normal"
    handler: str = "human"
    status: str = "open"
    sla: SlaClocks | None = None


class SlaDue(NamedTuple):
    """The indexed fields that follow from the clocks (what tick, sort and risk read)."""

    sla_next_due: dt.datetime | None = None
    sla_due: dt.datetime | None = None
    sla_risk_at: dt.datetime | None = None


class DueClock(NamedTuple):
    conversation_id: PydanticObjectId
    account_id: PydanticObjectId


async def read_clocks(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> ClockedConversation | None:
    """The account's conversation with its clocks (an ``_id`` look-up), None if not found."""
    doc = await paging.by_id(Conversation.get_pymongo_collection(), account_id, conversation_id)
    if doc is None:
        return None
    if not doc.get("sla"):
        doc["sla"] = None
    return ClockedConversation.model_validate(doc)


async def write_clocks(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    clocks: SlaClocks,
    previous_version: int | None,
    due: SlaDue,
    breached_at: dt.datetime | None = None,
    last_breaches: list[SlaBreach] | None = None,
) -> bool:
    """Write the clocks if no one changed them since version ``previous_version`` (None:
    the conversation had none); with ``breached_at`` the breaches just recorded (what
    ``hub.integrations.event_webhooks`` sends as ``sla.breached``). False: changed meanwhile."""
    guard: dict[str, Any] = {"_id": conversation_id, "account_id": account_id}
    guard["sla.v"] = previous_version
    if previous_version is None:
        guard["sla"] = None
    fields: dict[str, Any] = {"sla": clocks.stored(), **due._asdict()}
    if breached_at is not None:
        fields["sla_breached_at"] = breached_at
        fields["sla_last_breaches"] = [b.model_dump() for b in last_breaches or []]
    result = await Conversation.get_pymongo_collection().update_one(guard, {"$set": fields})
    return bool(result.modified_count)


async def due_clocks_all_accounts(at: dt.datetime, limit: int) -> list[DueClock]:
    """Conversations of every account with a clock due by ``at`` and not yet breached: a
    bounded range read of the ``sla_next_due`` index (the timers' sweep spans accounts)."""
    found = (
        await Conversation.get_pymongo_collection()
        .find({"sla_next_due": {"$gte": FLOOR, "$lte": at}}, {"_id": 1, "account_id": 1})
        .limit(limit)
        .to_list()
    )
    return [DueClock(doc["_id"], doc["account_id"]) for doc in found]


async def clear_next_due(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    """Nothing is due any more (the account's plan lost SLA)."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id}, {"$set": {"sla_next_due": None}}
    )


class RiskyClocks(NamedTuple):
    """An open conversation's team and clocks, one of whose clocks is at risk."""

    team_id: str | None
    clocks: SlaClocks


async def at_risk_clocks(account_id: PydanticObjectId, at: dt.datetime) -> list[RiskyClocks]:
    """The team and clocks of the conversations whose ``sla_risk_at`` has passed by ``at``
    (a bounded range on the (account, sla_risk_at) index; running clocks only set it)."""
    risky = Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "sla_risk_at": {"$gte": FLOOR, "$lte": at}},
        {"sla": 1, "team_id": 1},
    )
    return [
        RiskyClocks(doc.get("team_id"), SlaClocks.model_validate(doc.get("sla") or {}))
        async for doc in risky
    ]


async def by_sla_due(
    account_id: PydanticObjectId, keep: Callable[[Mapping[str, object]], bool], limit: int = 25
) -> list[Conversation]:
    """The account's conversations with a running clock, the soonest due first: a range
    read on the (account, sla_due) index, which holds only conversations whose clocks
    run; ``keep`` (on the stored document) applies a list's other filters."""
    found = Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "sla_due": {"$gte": FLOOR}}
    )
    rows = [doc async for doc in found if keep(doc)]
    rows.sort(key=lambda d: (d["sla_due"], d["_id"]))
    return [Conversation.model_validate(d) for d in rows[:limit]]
