"""SLA policies (PRO): create, read, change and delete, with their validation.

Every function takes the account first; on a plan without SLA each raises
``PlanRequired`` (402 ``plan_required``). Bad input raises ``InvalidPolicy`` naming
the field: zero or negative minutes, unknown channel or team ids, an unknown
priority, and ``business_hours_only`` when no hours are set anywhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.centre import hours
from hub.centre.sla.matching import require_sla
from hub.contract import JsonObject, now
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.models import Account, SlaPolicy
from hub.models.sla_policy import AppliesTo
from hub.store import accounts as account_store
from hub.store import channels as channel_store
from hub.store import sla as store
from hub.store import teams as team_store
from hub.store.ids import parse_id, try_id

#: The conversation priorities a policy may name (as on ``Conversation.priority``).
PRIORITIES = ("low", "normal", "high", "urgent")
MINUTE_FIELDS = ("first_response_minutes", "next_response_minutes", "resolution_minutes")
#: A month of minutes: past that a target is a typo.
MAX_MINUTES = 31 * 24 * 60


class InvalidPolicy(InvalidChange):
    """A policy field is wrong; ``field`` names it (the message does too)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__("invalid_sla_policy", f"{field}: {message}")
        self.field = field


class AppliesToIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_ids: list[str] = Field(default=[], max_length=100)
    team_ids: list[str] = Field(default=[], max_length=100)
    priorities: list[Literal["low", "normal", "high", "urgent"]] = Field(default=[], max_length=4)
    vip: bool | None = None


class PolicyIn(BaseModel):
    """A policy as the API and the admin page send it (every field optional on PATCH)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="", max_length=100)
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours_only: bool = False
    pause_when_pending: bool = False
    applies_to: AppliesToIn = Field(default_factory=AppliesToIn)


async def _account(account_id: PydanticObjectId) -> Account:
    account = await account_store.get_account(account_id)
    if account is None:
        raise NotFound(str(account_id))
    require_sla(account.plan)
    return account


async def list_policies(account_id: PydanticObjectId) -> list[SlaPolicy]:
    await _account(account_id)
    return await store.list_policies(account_id)


async def get_policy(account_id: PydanticObjectId, policy_id: str | PydanticObjectId) -> SlaPolicy:
    await _account(account_id)
    found = await store.get_policy(account_id, parse_id(policy_id))
    if found is None:
        raise NotFound(str(policy_id))
    return found


async def create_policy(account_id: PydanticObjectId, body: PolicyIn) -> SlaPolicy:
    await _account(account_id)
    values = await _checked(account_id, body.model_dump())
    return await store.insert_policy(SlaPolicy(account_id=account_id, **values))


async def update_policy(
    account_id: PydanticObjectId, policy_id: str | PydanticObjectId, changes: JsonObject
) -> SlaPolicy:
    """Apply ``changes`` (fields given in a PATCH); the merged policy is checked as a whole."""
    policy = await get_policy(account_id, policy_id)
    assert policy.id is not None
    merged = policy.model_dump(include=set(PolicyIn.model_fields))
    merged.update(changes)
    values = await _checked(account_id, PolicyIn.model_validate(merged).model_dump())
    fields = store.PolicyFields.model_validate({**values, "updated_at": now()})
    await store.update_policy(account_id, policy.id, fields)
    return await get_policy(account_id, policy_id)


async def delete_policy(
    account_id: PydanticObjectId, policy_id: str | PydanticObjectId
) -> SlaPolicy:
    """Remove a policy; conversations it already timed keep their clocks."""
    policy = await get_policy(account_id, policy_id)
    assert policy.id is not None
    await store.delete_policy(account_id, policy.id)
    return policy


async def _checked(account_id: PydanticObjectId, values: dict[str, Any]) -> dict[str, Any]:
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidPolicy("name", "give the policy a name")
    values["name"] = name
    for field in MINUTE_FIELDS:
        minutes = values.get(field)
        if minutes is not None and not 0 < minutes <= MAX_MINUTES:
            raise InvalidPolicy(field, f"must be a whole number of minutes from 1 to {MAX_MINUTES}")
    if all(values.get(f) is None for f in MINUTE_FIELDS):
        raise InvalidPolicy("first_response_minutes", "set at least one target in minutes")
    scope = AppliesTo.model_validate(values.get("applies_to") or {})
    scope.channel_ids = await _known_ids(
        account_id, channel_store.existing_channel_ids, scope.channel_ids, "channel_ids"
    )
    scope.team_ids = await _known_ids(
        account_id, team_store.existing_team_ids, scope.team_ids, "team_ids"
    )
    for priority in scope.priorities:
        if priority not in PRIORITIES:
            raise InvalidPolicy(
                "applies_to.priorities", f"{priority!r} is not one of {', '.join(PRIORITIES)}"
            )
    scope.priorities = list(dict.fromkeys(scope.priorities))
    values["applies_to"] = scope.model_dump()
    if values.get("business_hours_only"):
        await _check_hours(account_id, scope.team_ids)
    return values


_Existing = Callable[[PydanticObjectId, list[PydanticObjectId]], Awaitable[set[PydanticObjectId]]]


async def _known_ids(
    account_id: PydanticObjectId, existing: _Existing, ids: list[str], field: str
) -> list[str]:
    """The ids as given when the account has each; else 400 ``unknown_channel`` /
    ``unknown_team`` naming ``applies_to.<field>`` (a name is no id: unknown too)."""
    kind = field.removesuffix("_ids")
    wanted: list[PydanticObjectId] = []
    for value in dict.fromkeys(ids):
        parsed = try_id(value)
        if parsed is None:
            raise _unknown(kind, field, value)
        wanted.append(parsed)
    found = await existing(account_id, wanted)
    unknown = [str(v) for v in wanted if v not in found]
    if unknown:
        raise _unknown(kind, field, unknown[0])
    return [str(v) for v in wanted]


def _unknown(kind: str, field: str, value: object) -> InvalidChange:
    where = f"applies_to.{field}"
    message = f"{where}: no {kind} of this account has id {value!r}"
    return InvalidChange(f"unknown_{kind}", message, field=where)


async def _check_hours(account_id: PydanticObjectId, team_ids: list[str]) -> None:
    """``business_hours_only`` needs hours for every conversation the policy can take."""
    found = await account_store.get_account(account_id)
    account = found.model_dump() if found is not None else {}
    if hours.calendar(account) is not None:
        return
    if team_ids:
        teams = await team_store.teams_by_ids(account_id, [parse_id(t) for t in team_ids])
        if all(hours.calendar(account, team.model_dump()) is not None for team in teams):
            return
    raise InvalidPolicy(
        "business_hours_only",
        "no business hours are set for the account (or for every team of the policy)",
    )
