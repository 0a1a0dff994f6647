"""The agent inbox: pages, fragments and the live event stream for signed-in users."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route


def routes() -> list[BaseRoute]:
    """Every inbox route; mounted by ``hub.app``."""
    from hub.inbox import (
        actions,
        canned,
        composer,
        contact_book,
        events,
        listing,
        preferences,
        presence,
        service_reports,
        signin,
        survey,
        teams,
        thread,
    )

    return [
        *signin.routes,
        *service_reports.routes,
        *survey.routes,
        *listing.routes,
        *presence.routes,
        *preferences.routes,
        *composer.routes,  # before canned: /inbox/canned/suggest is more specific
        *canned.routes,
        *teams.routes,
        *thread.routes,
        *contact_book.routes,
        *actions.routes,
        Route("/inbox/events", events.stream, methods=["GET"]),
    ]
