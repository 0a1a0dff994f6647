"""Teams: the account's groups of agents (each one a queue)."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Team

# ---- added by rules


async def find_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team | None:
    """The account's team ``team_id``, None if the account has no such team."""
    return await Team.find_one(Team.id == team_id, Team.account_id == account_id)


async def list_teams(account_id: PydanticObjectId) -> list[Team]:
    """Every team of the account."""
    return await Team.find(Team.account_id == account_id).to_list()


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
