"""The agent inbox: pages, fragments and the live event stream for signed-in users."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route


def routes() -> list[BaseRoute]:
    """Every inbox route; mounted by ``hub.app``."""
    from hub.inbox import (
        actions,
        app_shell,
        assist,
        bulk,
        callback_offer,
        callbacks,
        canned,
        colleagues,
        composer,
        contact_book,
        events,
        labels,
        listing,
        me,
        monitor,
        preferences,
        presence,
        push,
        queues,
        reports,
        service_reports,
        signin,
        supervise,
        survey,
        teams,
        thread,
    )

    return [
        *signin.routes,
        *app_shell.routes,  # the manifest, /sw.js and the offline page
        *me.routes,
        *push.routes,
        *service_reports.routes,
        *survey.routes,
        *listing.routes,
        *labels.routes,
        *presence.routes,
        *preferences.routes,
        *composer.routes,  # before canned: /inbox/canned/suggest is more specific
        *canned.routes,
        *teams.routes,
        *callbacks.routes,
        *callback_offer.routes,
        *queues.routes,
        *colleagues.routes,
        *thread.routes,
        *contact_book.routes,
        *actions.routes,
        *assist.routes,
        *bulk.routes,
        *supervise.routes,
        *monitor.routes,
        *reports.routes,
        Route("/inbox/events", events.stream, methods=["GET"]),
    ]
