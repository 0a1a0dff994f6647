"""Teams as queues: create, change and remove an account's teams, with their routing settings.

``TeamIn`` is the public shape (``/api/v1/teams`` and the admin page). Member ids and the
overflow team are checked against the account: an unknown id is ``InvalidChange`` naming
the field (400). ``Team.member_ids`` is the truth about membership; each user's
``team_ids`` is kept in step for the views that read a user alone.
"""

from __future__ import annotations

from typing import Annotated, Literal

from beanie import PydanticObjectId
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from hub.centre import hours
from hub.centre.routing import assignment
from hub.contract import one_line
from hub.errors import Conflict, InvalidInput, NotFound
from hub.models import Team
from hub.models.team import Overflow
from hub.store import channels as channel_store
from hub.store import conversations as conversation_store
from hub.store import teams as team_store
from hub.store import users as user_store
from hub.store.ids import try_id
from hub.store.teams import TeamChanges

InvalidChange = InvalidInput


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
    business_hours: dict[str, object] | None = None
    out_of_office_text: str | None = Field(default=None, max_length=1000)
    overflow: OverflowIn | None = None
    callback: dict[str, object] | None = None

    @field_validator("name")
    @classmethod
    def _trim(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a team needs a name")
        return one_line(value.strip(), "a team's name")


class TeamPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(one_line)] | None = Field(
        default=None, min_length=1, max_length=80
    )
    member_ids: list[str] | None = Field(default=None, max_length=500)
    assignment: Literal["manual", "round_robin", "least_busy"] | None = None
    business_hours: dict[str, object] | None = None
    out_of_office_text: str | None = Field(default=None, max_length=1000)
    overflow: OverflowIn | None = None
    callback: dict[str, object] | None = None


async def list_teams(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams by name."""
    return await team_store.list_teams(account_id)


async def get_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team:
    """The account's team; ``NotFound`` for another account's or a removed one."""
    found = await team_store.find_team(account_id, team_id)
    if found is None:
        raise NotFound(str(team_id))
    return found


async def _members(account_id: PydanticObjectId, ids: list[str]) -> list[PydanticObjectId]:
    clean: list[PydanticObjectId] = []
    for index, value in enumerate(dict.fromkeys(ids)):
        user_id = try_id(value)
        if user_id is None or await user_store.get_user(account_id, user_id) is None:
            raise InvalidChange(
                "unknown_user", f"member_ids[{index}]: no user of this account has id {value!r}"
            )
        clean.append(user_id)
    return list(dict.fromkeys(clean))


async def _overflow(
    account_id: PydanticObjectId, overflow: OverflowIn | None, own_id: PydanticObjectId | None
) -> Overflow | None:
    if overflow is None:
        return None
    target_id = try_id(overflow.team_id)
    target = None if target_id is None else await team_store.find_team(account_id, target_id)
    if target is None:
        raise InvalidChange("unknown_team", "overflow.team_id: no team of this account has that id")
    if target.id == own_id:
        raise InvalidChange(
            "invalid_overflow", "overflow.team_id: a team cannot overflow to itself"
        )
    return Overflow(**overflow.model_dump())


def _hours(value: dict[str, object] | None) -> dict[str, object] | None:
    try:
        found = hours.validate(value)
    except hours.InvalidHours as exc:
        raise InvalidChange("invalid_business_hours", str(exc)) from None
    return None if found is None else found.stored()


async def _sync_users(
    account_id: PydanticObjectId,
    team_id: PydanticObjectId,
    before: list[PydanticObjectId],
    after: list[PydanticObjectId],
) -> None:
    """Keep each user's ``team_ids`` in step with the team's members."""
    gone = [u for u in before if u not in after]
    if gone:
        await user_store.leave_team(account_id, gone, team_id)
    if after:
        await user_store.join_team(account_id, after, team_id)


def _ids(values: list[str]) -> list[PydanticObjectId]:
    """Stored member ids as ids (they were checked when stored)."""
    return [PydanticObjectId(v) for v in values]


async def create_team(account_id: PydanticObjectId, body: TeamIn) -> Team:
    members = await _members(account_id, body.member_ids)
    business_hours = _hours(body.business_hours)
    overflow = await _overflow(account_id, body.overflow, None)
    team = Team(
        account_id=account_id,
        name=body.name,
        member_ids=[str(m) for m in members],
        assignment=body.assignment,
        business_hours=business_hours,
        out_of_office_text=body.out_of_office_text,
        overflow=overflow,
        callback=body.callback,
    )
    try:
        await team_store.insert_team(team)
    except Conflict:
        raise InvalidChange("name_taken", f"name: a team called {body.name} exists") from None
    assert team.id is not None
    await _sync_users(account_id, team.id, [], members)
    await assignment.dispatch(account_id)
    return team


async def update_team(
    account_id: PydanticObjectId, team_id: PydanticObjectId, patch: TeamPatch
) -> Team:
    team = await get_team(account_id, team_id)
    given = patch.model_fields_set
    changes = TeamChanges()
    for name in ("name", "assignment"):
        if name in given and getattr(patch, name) is None:
            raise InvalidChange("invalid_request", f"{name} cannot be null")
    if patch.name is not None:
        changes.name = patch.name.strip()
    if patch.assignment is not None:
        changes.assignment = patch.assignment
    if "member_ids" in given:
        changes.member_ids = await _members(account_id, patch.member_ids or [])
    if "business_hours" in given:
        changes.business_hours = _hours(patch.business_hours)
    if "out_of_office_text" in given:
        changes.out_of_office_text = patch.out_of_office_text
    if "overflow" in given:
        changes.overflow = await _overflow(account_id, patch.overflow, team.id)
    if "callback" in given:
        changes.callback = patch.callback
    before = _ids(team.member_ids)
    if changes.model_fields_set:
        try:
            await team_store.update_team(account_id, team_id, changes)
        except Conflict:
            raise InvalidChange("name_taken", "name: another team has that name") from None
        team = await get_team(account_id, team_id)
        await _sync_users(account_id, team_id, before, _ids(team.member_ids))
        await assignment.dispatch(account_id)
    return team


async def delete_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team:
    """Remove the team; its conversations go to the queue without a team."""
    team = await get_team(account_id, team_id)
    await conversation_store.leave_team_all(account_id, team_id)
    await channel_store.clear_default_team(account_id, team_id)
    await team_store.clear_overflow_to(account_id, team_id)
    await user_store.leave_team_everyone(account_id, team_id)
    await team_store.delete_team(account_id, team_id)
    return team
