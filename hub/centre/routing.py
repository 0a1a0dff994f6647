"""Routing: who handles a new conversation (a bot or the human queue, which team)."""

from __future__ import annotations

from hub.models import Channel, Contact
from hub.pipeline.rules import Route


def route_new_conversation(channel: Channel) -> Route:
    """The handler and team of a conversation opened on ``channel``."""
    if channel.bot_id:
        return Route(handler="bot", bot_id=channel.bot_id, team_id=channel.default_team_id)
    return Route(handler="human", team_id=channel.default_team_id)


def priority_for(contact: Contact) -> str | None:
    """A priority a contact earns on every new conversation (VIPs go first)."""
    return "high" if contact.vip else None
