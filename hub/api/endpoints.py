"""Every operation of the API, in matching order: each handler module's own declarations.

The routes mounted under ``/api/v1`` and the OpenAPI document are both built from this
list (``hub.api.mount``, ``hub.api.openapi``); a module's ``api`` is its declarations.
"""

from __future__ import annotations

from hub.api import (
    admin,
    assist,
    bots,
    bulk,
    callbacks,
    contacts,
    labels,
    reports,
    routes,
    sla,
    teams,
    users,
    webhooks,
)
from hub.api.declare import ApiRoute

__all__ = ["OPERATIONS"]

OPERATIONS: tuple[ApiRoute, ...] = tuple(
    op
    for module in (
        bulk,  # before routes: /conversations/bulk is more specific than /conversations/{id}
        routes,
        contacts,
        webhooks,
        bots,
        users,
        callbacks,
        reports,
        admin,
        teams,
        sla,
        labels,
        assist,
    )
    for op in module.api.operations
)
