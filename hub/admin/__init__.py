"""Admin pages (``/admin``): account settings an admin changes in the browser."""

from __future__ import annotations

from starlette.routing import BaseRoute

from hub.admin import retention


def routes() -> list[BaseRoute]:
    """Every admin page's routes, mounted at the app's root."""
    return [*retention.routes]
