"""The wallboard (``/wallboard``): the queue board per team, live over SSE, for wall screens."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every wallboard route; mounted by ``hub.app``."""
    from hub.wallboard import events, views

    return [*views.routes, *events.routes]
