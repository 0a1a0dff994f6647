"""Teams (``teams``): an account's queues."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Team

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
