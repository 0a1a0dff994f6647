"""Administration (``/admin``): an admin runs their own account in the browser.

(Minimal on this branch: the SLA policies and CSAT pages; the admin helper's package
brings the layout and the other pages.)
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every admin route; mounted by ``hub.app``."""
    from hub.admin import csat, sla

    return [*sla.routes, *csat.routes]
