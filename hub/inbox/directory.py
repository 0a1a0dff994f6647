"""The names a page shows beside ids: the account's channels, users and teams, loaded once a request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from beanie import PydanticObjectId

from hub.models import Channel, Team, User
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub
from hub.store import channels as channel_store
from hub.store import teams as team_store
from hub.store import users as user_store


@dataclass
class Directory:
    channels: dict[str, Channel] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    #: Channel id to the picture of its connector (``Connector.icon``).
    icons: dict[str, str] = field(default_factory=dict)

    def channel_icon(self, channel_id: object) -> str:
        return self.icons.get(str(channel_id), "chat")

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


async def load(
    account_id: PydanticObjectId, icon_of: Callable[[str], str] | None = None
) -> Directory:
    """The account's channels, users and teams; ``icon_of`` maps a channel type to its picture."""
    channels = await channel_store.list_channels(account_id)
    users = await user_store.list_users(account_id)
    teams = await team_store.list_teams(account_id)
    return Directory(
        channels={str(c.id): c for c in channels},
        users={str(u.id): u for u in users},
        teams={str(t.id): t for t in teams},
        icons={str(c.id): icon_of(c.type) for c in channels} if icon_of else {},
    )


def icons_of(hub: Hub) -> Callable[[str], str]:
    """``icon_of`` for ``load`` from the app's connector registry."""
    registry = hub.registry

    def icon(channel_type: str) -> str:
        try:
            return str(registry.get(channel_type).icon)
        except UnknownConnector:
            return "chat"

    return icon
