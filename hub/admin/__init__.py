"""The admin pages (``/admin``): an account's admins run their own account in the browser.

Each page module adds its routes here and its section to ``nav.SECTIONS``.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every admin route; mounted by ``hub.app``."""
    from hub.admin import teams, vip

    return [*teams.routes, *vip.routes]
