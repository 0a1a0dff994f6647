"""Administration (``/admin``): an admin runs their own account in the browser.

Every page is gated by ``hub.web.guard.page_view("admin")`` (a 403 page for others),
changes go through the core (``hub.tenants``, ``hub.integrations``), which applies the
plan rules, writes the ledger and the audit log. The side nav is ``hub.admin.nav``.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every admin route (and the public set-password page); mounted by ``hub.app``."""
    from hub.admin import (
        assist,
        audit_log,
        bots,
        canned,
        channels,
        csat,
        keys,
        labels,
        overview,
        plan,
        retention,
        set_password,
        settings,
        sla,
        teams,
        usage,
        users,
        vip,
        webhooks,
    )

    return [
        *overview.routes,
        *plan.routes,
        *users.routes,
        *channels.routes,
        *canned.routes,
        *labels.routes,
        *settings.routes,
        *keys.routes,
        *webhooks.routes,
        *bots.routes,
        *retention.routes,
        *audit_log.routes,
        *usage.routes,
        *teams.routes,
        *vip.routes,
        *sla.routes,
        *csat.routes,
        *assist.routes,
        *set_password.routes,
    ]
