"""Teams as queues: create, change and remove an account's teams, with their routing settings.

``TeamIn`` is the public shape (``/api/v1/teams`` and the admin page). Member ids and the
overflow team are checked against the account: an unknown id is ``InvalidChange`` naming
the field (400). ``Team.member_ids`` is the truth about membership; each user's
``team_ids`` is kept in step for the views that read a user alone.
"""

from __future__ import annotations

from typing import Any, Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pymongo.errors import DuplicateKeyError

from hub.centre import hours
from hub.centre.routing import assignment
from hub.contract import now
from hub.models import Channel, Conversation, Team, User
from hub.store.conversations import InvalidChange, NotFound, oid


class OverflowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    after_minutes: int = Field(ge=1, le=7 * 24 * 60)
    team_id: str = Field(min_length=1, max_length=64)


class TeamIn(BaseModel):
    """A team's settings; on PATCH every field is optional (``TeamPatch``)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    member_ids: list[str] = Field(default=[], max_length=500)
    assignment: Literal["manual", "round_robin", "least_busy"] = "manual"
    business_hours: dict[str, Any] | None = None
    out_of_office_text: str | None = Field(default=None, max_length=1000)
    overflow: OverflowIn | None = None
    callback: dict[str, Any] | None = None

    @field_validator("name")
    @classmethod
    def _trim(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a team needs a name")
        return value.strip()


class TeamPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=80)
    member_ids: list[str] | None = Field(default=None, max_length=500)
    assignment: Literal["manual", "round_robin", "least_busy"] | None = None
    business_hours: dict[str, Any] | None = None
    out_of_office_text: str | None = Field(default=None, max_length=1000)
    overflow: OverflowIn | None = None
    callback: dict[str, Any] | None = None


async def list_teams(account_id: PydanticObjectId) -> list[Team]:
    return await Team.find(Team.account_id == account_id).sort("name").to_list()


async def get_team(account_id: PydanticObjectId, team_id: str) -> Team:
    found = await Team.find_one(Team.id == oid(team_id), Team.account_id == account_id)
    if found is None:
        raise NotFound(team_id)
    return found


async def _members(account_id: PydanticObjectId, ids: list[str]) -> list[str]:
    clean = list(dict.fromkeys(ids))
    for index, value in enumerate(clean):
        try:
            user_id = PydanticObjectId(value)
        except Exception:
            user_id = None
        user = await User.find_one(User.id == user_id, User.account_id == account_id)
        if user_id is None or user is None:
            raise InvalidChange(
                "unknown_user", f"member_ids[{index}]: no user of this account has id {value!r}"
            )
    return clean


async def _overflow(
    account_id: PydanticObjectId, overflow: OverflowIn | None, own_id: str | None
) -> dict[str, Any] | None:
    if overflow is None:
        return None
    try:
        target = await get_team(account_id, overflow.team_id)
    except NotFound:
        raise InvalidChange(
            "unknown_team", "overflow.team_id: no team of this account has that id"
        ) from None
    if str(target.id) == own_id:
        raise InvalidChange(
            "invalid_overflow", "overflow.team_id: a team cannot overflow to itself"
        )
    return overflow.model_dump()


def _hours(value: Any) -> dict[str, Any] | None:
    try:
        return hours.validate(value)
    except hours.InvalidHours as exc:
        raise InvalidChange("invalid_business_hours", str(exc)) from None


async def _sync_users(team: Team, before: list[str]) -> None:
    """Keep each user's ``team_ids`` in step with the team's members."""
    collection = User.get_pymongo_collection()
    tid = str(team.id)
    gone = [PydanticObjectId(u) for u in before if u not in team.member_ids]
    added = [PydanticObjectId(u) for u in team.member_ids]
    if gone:
        await collection.update_many(
            {"account_id": team.account_id, "_id": {"$in": gone}}, {"$pull": {"team_ids": tid}}
        )
    if added:
        await collection.update_many(
            {"account_id": team.account_id, "_id": {"$in": added}},
            {"$addToSet": {"team_ids": tid}},
        )


async def create_team(account_id: PydanticObjectId, body: TeamIn) -> Team:
    team = Team(
        account_id=account_id,
        name=body.name,
        member_ids=await _members(account_id, body.member_ids),
        assignment=body.assignment,
        business_hours=_hours(body.business_hours),
        out_of_office_text=body.out_of_office_text,
        overflow=await _overflow(account_id, body.overflow, None),
        callback=body.callback,
    )
    try:
        await team.insert()
    except DuplicateKeyError:
        raise InvalidChange("name_taken", f"name: a team called {body.name} exists") from None
    await _sync_users(team, [])
    await assignment.dispatch(account_id)
    return team


async def update_team(account_id: PydanticObjectId, team_id: str, patch: TeamPatch) -> Team:
    team = await get_team(account_id, team_id)
    given = patch.model_fields_set
    changes: dict[str, Any] = {}
    for name in ("name", "assignment"):
        if name in given and getattr(patch, name) is None:
            raise InvalidChange("invalid_request", f"{name} cannot be null")
    if patch.name is not None:
        changes["name"] = patch.name.strip()
    if patch.assignment is not None:
        changes["assignment"] = patch.assignment
    if "member_ids" in given:
        changes["member_ids"] = await _members(account_id, patch.member_ids or [])
    if "business_hours" in given:
        changes["business_hours"] = _hours(patch.business_hours)
    if "out_of_office_text" in given:
        changes["out_of_office_text"] = patch.out_of_office_text
    if "overflow" in given:
        changes["overflow"] = await _overflow(account_id, patch.overflow, str(team.id))
    if "callback" in given:
        changes["callback"] = patch.callback
    before = list(team.member_ids)
    if changes:
        try:
            await Team.get_pymongo_collection().update_one(
                {"_id": team.id, "account_id": account_id}, {"$set": changes}
            )
        except DuplicateKeyError:
            raise InvalidChange("name_taken", "name: another team has that name") from None
        team = await get_team(account_id, team_id)
        await _sync_users(team, before)
        await assignment.dispatch(account_id)
    return team


async def delete_team(account_id: PydanticObjectId, team_id: str) -> Team:
    """Remove the team; its conversations go to the queue without a team."""
    team = await get_team(account_id, team_id)
    tid = str(team.id)
    await Conversation.get_pymongo_collection().update_many(
        {"account_id": account_id, "team_id": tid},
        {"$set": {"team_id": None, "team_since": now()}},
    )
    await Channel.get_pymongo_collection().update_many(
        {"account_id": account_id, "default_team_id": tid}, {"$set": {"default_team_id": None}}
    )
    await Team.get_pymongo_collection().update_many(
        {"account_id": account_id, "overflow.team_id": tid}, {"$set": {"overflow": None}}
    )
    await User.get_pymongo_collection().update_many(
        {"account_id": account_id, "team_ids": tid}, {"$pull": {"team_ids": tid}}
    )
    await Team.get_pymongo_collection().delete_one({"_id": team.id, "account_id": account_id})
    return team
