"""Teams of an account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.models import Team


# ---- added by widget
async def get_team(account_id: PydanticObjectId, team_id: PydanticObjectId) -> Team | None:
    return await Team.find_one(Team.id == team_id, Team.account_id == account_id)
