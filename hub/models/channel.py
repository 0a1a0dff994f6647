"""Channels: a configured connector instance of an account, with its secrets."""

from __future__ import annotations

from typing import Any

from hub.models.base import TenantDocument


class Channel(TenantDocument):
    type: str
    name: str
    config: dict[str, Any] = {}
    active: bool = True
    #: Team new conversations on this channel go to.
    default_team_id: str | None = None
    #: The chatbot that answers new conversations on this channel first, if any.
    bot_id: str | None = None

    class Settings:
        name = "channels"
        indexes = [[("account_id", 1), ("type", 1)], [("type", 1), ("active", 1)]]
