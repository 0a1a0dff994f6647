"""Routing: who handles a new conversation (a bot or the human queue, which team).

What happens next lives beside it: queue order (``hub.centre.routing.queues``), who can take one
(``hub.centre.routing.availability``), automatic assignment (``hub.centre.routing.assignment``) and what a
new arrival triggers (``hub.pipeline.arrivals``). VIPs are no longer a priority: a
conversation carries ``vip`` and queues put it first (``hub.centre.routing.vip``).
"""

from __future__ import annotations

from hub.models import Channel
from hub.pipeline.rules import Route


def route_new_conversation(channel: Channel) -> Route:
    """The handler and team of a conversation opened on ``channel``."""
    if channel.bot_id:
        return Route(handler="bot", bot_id=channel.bot_id, team_id=channel.default_team_id)
    return Route(handler="human", team_id=channel.default_team_id)
