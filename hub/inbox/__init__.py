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
        contacts,
        events,
        listing,
        presence,
        signin,
        teams,
        thread,
    )

    return [
        *signin.routes,
        *listing.routes,
        *presence.routes,
        *composer.routes,  # before canned: /inbox/canned/suggest is more specific
        *canned.routes,
        *teams.routes,
        *thread.routes,
        *contacts.routes,
        *contact_book.routes,
        *actions.routes,
        Route("/inbox/events", events.stream, methods=["GET"]),
    ]
