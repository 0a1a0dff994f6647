"""SLA policies (PRO): create, read, change and delete, with their validation.

Every function takes the account first; on a plan without SLA each raises
``PlanRequired`` (402 ``plan_required``). Bad input raises ``InvalidPolicy`` naming
the field: zero or negative minutes, unknown channel or team ids, an unknown
priority, and ``business_hours_only`` when no hours are set anywhere.
"""

from __future__ import annotations

from typing import Any, Literal

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import BaseModel, ConfigDict, Field

from hub.centre import hours
from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.models import Account, Channel, SlaPolicy, Team
from hub.models.sla_policy import AppliesTo

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
    account = await Account.get(account_id)
    if account is None:
        raise NotFound(str(account_id))
    sla.require_sla(account.plan)
    return account


async def list_policies(account_id: PydanticObjectId) -> list[SlaPolicy]:
    await _account(account_id)
    return await SlaPolicy.find({"account_id": account_id}).sort("+created_at").to_list()


async def get_policy(account_id: PydanticObjectId, policy_id: str) -> SlaPolicy:
    await _account(account_id)
    try:
        oid = PydanticObjectId(policy_id)
    except (InvalidId, TypeError, ValueError):
        raise NotFound(policy_id) from None
    found = await SlaPolicy.find_one({"_id": oid, "account_id": account_id})
    if found is None:
        raise NotFound(policy_id)
    return found


async def create_policy(account_id: PydanticObjectId, body: PolicyIn) -> SlaPolicy:
    await _account(account_id)
    values = await _checked(account_id, body.model_dump())
    policy = SlaPolicy(account_id=account_id, **values)
    await policy.insert()
    return policy


async def update_policy(
    account_id: PydanticObjectId, policy_id: str, changes: dict[str, Any]
) -> SlaPolicy:
    """Apply ``changes`` (fields given in a PATCH); the merged policy is checked as a whole."""
    policy = await get_policy(account_id, policy_id)
    merged = policy.model_dump(include=set(PolicyIn.model_fields))
    merged.update(changes)
    values = await _checked(account_id, PolicyIn.model_validate(merged).model_dump())
    values["updated_at"] = now()
    await SlaPolicy.get_pymongo_collection().update_one(
        {"_id": policy.id, "account_id": account_id}, {"$set": values}
    )
    return await get_policy(account_id, policy_id)


async def delete_policy(account_id: PydanticObjectId, policy_id: str) -> SlaPolicy:
    """Remove a policy; conversations it already timed keep their clocks."""
    policy = await get_policy(account_id, policy_id)
    await SlaPolicy.get_pymongo_collection().delete_one(
        {"_id": policy.id, "account_id": account_id}
    )
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
    scope.channel_ids = await _known_ids(account_id, Channel, scope.channel_ids, "channel_ids")
    scope.team_ids = await _known_ids(account_id, Team, scope.team_ids, "team_ids")
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


async def _known_ids(
    account_id: PydanticObjectId, model: type[Channel] | type[Team], ids: list[str], field: str
) -> list[str]:
    wanted: list[PydanticObjectId] = []
    for value in dict.fromkeys(ids):
        try:
            wanted.append(PydanticObjectId(value))
        except (InvalidId, TypeError, ValueError):
            raise InvalidPolicy(f"applies_to.{field}", f"{value!r} is not an id") from None
    found = {
        str(doc["_id"])
        async for doc in model.get_pymongo_collection().find(
            {"account_id": account_id, "_id": {"$in": wanted}}, {"_id": 1}
        )
    }
    unknown = [str(v) for v in wanted if str(v) not in found]
    if unknown:
        raise InvalidPolicy(f"applies_to.{field}", f"no such id in this account: {unknown[0]}")
    return [str(v) for v in wanted]


async def _check_hours(account_id: PydanticObjectId, team_ids: list[str]) -> None:
    """``business_hours_only`` needs hours for every conversation the policy can take."""
    account = await Account.get_pymongo_collection().find_one({"_id": account_id}) or {}
    if hours.calendar(account) is not None:
        return
    if team_ids:
        teams = Team.get_pymongo_collection().find(
            {"account_id": account_id, "_id": {"$in": [PydanticObjectId(t) for t in team_ids]}}
        )
        if all([hours.calendar(account, team) is not None async for team in teams]):
            return
    raise InvalidPolicy(
        "business_hours_only",
        "no business hours are set for the account (or for every team of the policy)",
    )
