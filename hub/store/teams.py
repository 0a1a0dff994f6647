"""Teams, per account."""

from __future__ import annotations

from collections.abc import Mapping

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.errors import Conflict, NotFound
from hub.models import Team

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
