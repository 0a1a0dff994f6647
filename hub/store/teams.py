"""Teams, per account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict
from pymongo.errors import DuplicateKeyError

from hub.errors import Conflict, NotFound
from hub.models import Team
from hub.models.team import Assignment, Overflow

# ---- added by views


async def list_teams(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams, by name."""
    return await Team.find(Team.account_id == account_id).sort("name").to_list()


async def create_team(account_id: PydanticObjectId, name: str) -> Team:
    """A new team; ``Conflict`` when the account has a team of that name already."""
    team = Team(account_id=account_id, name=name)
    try:
        await team.insert()
    except DuplicateKeyError:
        raise Conflict("team_exists", f"a team called {name} exists already") from None
    return team


async def get_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team:
    """The account's team; ``NotFound`` for another id."""
    team = await Team.find_one(Team.id == team_id, Team.account_id == account_id)
    if team is None:
        raise NotFound(str(team_id))
    return team


async def set_team_callback(
    account_id: PydanticObjectId, team: Team, settings: Mapping[str, object] | None
) -> None:
    """Store the team's callback offer (checked by the caller), in one write."""
    if team.account_id != account_id:
        raise NotFound(str(team.id))
    await team.set({"callback": dict(settings) if settings is not None else None})


# ---- added by widget
async def find_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team | None:
    """The account's team, or None for another id."""
    return await Team.find_one(Team.id == team_id, Team.account_id == account_id)


# ---- added by rules


async def teams_by_ids(
    account_id: PydanticObjectId, team_ids: list[PydanticObjectId]
) -> list[Team]:
    """The account's teams among ``team_ids`` (one ``$in`` read)."""
    return await Team.find({"account_id": account_id, "_id": {"$in": team_ids}}).to_list()


async def existing_team_ids(
    account_id: PydanticObjectId, team_ids: list[PydanticObjectId]
) -> set[PydanticObjectId]:
    """Which of ``team_ids`` are the account's teams (one ``$in`` read of ids only)."""
    found = Team.get_pymongo_collection().find(
        {"account_id": account_id, "_id": {"$in": team_ids}}, {"_id": 1}
    )
    return {doc["_id"] async for doc in found}


#: The assignment rules a dispatch pass serves (the rest assign by hand).
AUTOMATIC: list[Assignment] = ["round_robin", "least_busy"]


class TeamChanges(BaseModel):
    """The fields a team update sets; only those given (``model_fields_set``) are written."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    assignment: Literal["manual", "round_robin", "least_busy"] | None = None
    member_ids: list[PydanticObjectId] | None = None
    business_hours: dict[str, object] | None = None  # the shape of ``hub.centre.hours``
    out_of_office_text: str | None = None
    overflow: Overflow | None = None
    callback: dict[str, object] | None = None  # the callback offer, kept as given


# --------------------------------------------------------------------------- reads


async def all_teams(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams in no particular order (the caller maps or sorts them)."""
    return await Team.find(Team.account_id == account_id).to_list()


async def has_automatic(account_id: PydanticObjectId) -> bool:
    """Whether any team of the account assigns automatically (an ``_id``-only read)."""
    found = await Team.get_pymongo_collection().find_one(
        {"account_id": account_id, "assignment": {"$in": AUTOMATIC}}, {"_id": 1}
    )
    return found is not None


async def automatic_teams(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams that assign automatically (round robin or least busy)."""
    return await Team.find({"account_id": account_id, "assignment": {"$in": AUTOMATIC}}).to_list()


# --------------------------------------------------------------------------- writes


async def insert_team(team: Team) -> Team:
    """Store a new team; ``Conflict("name_taken")`` when the account has one by that name."""
    try:
        await team.insert()
    except DuplicateKeyError:
        raise Conflict("name_taken", f"a team called {team.name} exists") from None
    return team


async def update_team(
    account_id: PydanticObjectId, team_id: PydanticObjectId, changes: TeamChanges
) -> None:
    """Set the given fields; ``Conflict("name_taken")`` when the new name is another team's."""
    update = changes.model_dump(mode="python", exclude_unset=True)
    if changes.member_ids is not None:
        update["member_ids"] = [str(m) for m in changes.member_ids]
    if not update:
        return
    try:
        await Team.get_pymongo_collection().update_one(
            {"_id": team_id, "account_id": account_id}, {"$set": update}
        )
    except DuplicateKeyError:
        raise Conflict("name_taken", "another team has that name") from None


async def set_rr_last(
    account_id: PydanticObjectId, team_id: PydanticObjectId, user_id: PydanticObjectId
) -> None:
    """Remember the member round robin gave the last conversation to."""
    await Team.get_pymongo_collection().update_one(
        {"_id": team_id, "account_id": account_id}, {"$set": {"rr_last": str(user_id)}}
    )


async def set_memberships(
    account_id: PydanticObjectId, user_id: PydanticObjectId, team_ids: list[PydanticObjectId]
) -> None:
    """Make the user a member of exactly ``team_ids``: out of every other team, into these."""
    uid = str(user_id)
    teams = Team.get_pymongo_collection()
    await teams.update_many(
        {"account_id": account_id, "member_ids": uid, "_id": {"$nin": team_ids}},
        {"$pull": {"member_ids": uid}},
    )
    await teams.update_many(
        {"account_id": account_id, "_id": {"$in": team_ids}}, {"$addToSet": {"member_ids": uid}}
    )


async def clear_overflow_to(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    """No team overflows to ``team_id`` any more (it is being removed)."""
    await Team.get_pymongo_collection().update_many(
        {"account_id": account_id, "overflow.team_id": str(team_id)}, {"$set": {"overflow": None}}
    )


async def delete_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    await Team.get_pymongo_collection().delete_one({"_id": team_id, "account_id": account_id})


# ---- added by tenants


async def team_in_account(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team | None:
    """The team with this id if it belongs to the account."""
    return await Team.find_one(Team.id == team_id, Team.account_id == account_id)


async def teams_by_name(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams in name order (the admin pages' pickers)."""
    return await Team.find(Team.account_id == account_id).sort("name").to_list()


async def teams_unordered(account_id: PydanticObjectId) -> list[Team]:
    """The account's teams, in no particular order."""
    return await Team.find({"account_id": account_id}).to_list()
