"""Teams, per account."""

from __future__ import annotations

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.contract import JsonObject
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
    account_id: PydanticObjectId, team: Team, settings: JsonObject | None
) -> None:
    """Store the team's callback offer (checked by the caller), in one write."""
    assert team.account_id == account_id
    await team.set({"callback": settings})


# ---- added by widget
async def find_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team | None:
    """The account's team, or None for another id."""
    return await Team.find_one(Team.id == team_id, Team.account_id == account_id)
