"""The names a page shows beside ids: the account's channels, users and teams, loaded once a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from beanie import PydanticObjectId

from hub.models import Channel, Team, User


@dataclass
class Directory:
    channels: dict[str, Channel] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)

    def channel_name(self, channel_id: object) -> str:
        channel = self.channels.get(str(channel_id))
        return channel.name if channel else "removed channel"

    def user_name(self, user_id: str | None) -> str:
        user = self.users.get(user_id or "")
        return (user.name or user.email) if user else ""

    def team_name(self, team_id: str | None) -> str:
        team = self.teams.get(team_id or "")
        return team.name if team else ""

    @property
    def agents(self) -> list[User]:
        return sorted(
            (u for u in self.users.values() if u.active), key=lambda u: (u.name or u.email).lower()
        )


async def load(account_id: PydanticObjectId) -> Directory:
    channels = await Channel.find(Channel.account_id == account_id).sort("name").to_list()
    users = await User.find(User.account_id == account_id).to_list()
    teams = await Team.find(Team.account_id == account_id).sort("name").to_list()
    return Directory(
        channels={str(c.id): c for c in channels},
        users={str(u.id): u for u in users},
        teams={str(t.id): t for t in teams},
    )
