"""The queue view (``/inbox/queues``): each team's waiting conversations in queue order, live.

An agent sees the queues of their own teams and the one without a team; supervisors and
admins see every queue. Each row shows its position and how long it has waited; the
figures are ``hub.centre.reports.live.snapshot``'s, the same as ``GET /api/v1/queues`` and
the wallboard.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.reports import live
from hub.inbox import directory
from hub.tenants import auth
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context


async def _boards(request: Request, ctx: Ctx) -> list[live.TeamFigures]:
    rows = await live.snapshot(ctx.account, "conversations", request.app.state.queue_orders)
    if auth.has_role(ctx.user, "supervisor"):
        return rows
    mine = set(ctx.user.team_ids)
    return [r for r in rows if r.team_id is None or str(r.team_id) in mine]


def _with_conversations(rows: list[live.TeamFigures]) -> list[dict[str, Any]]:
    return [{**row.model_dump(), "queue": row.queue} for row in rows]


@inbox_view()
async def index(request: Request, ctx: Ctx) -> Response:
    context = {
        **await layout_context(ctx),
        "boards": _with_conversations(await _boards(request, ctx)),
        "names": await directory.load(ctx.account_id),
        "waited_from": live.waited_since,
    }
    return pages.render(request, "inbox/queues.html", context)


routes = [Route("/inbox/queues", index, methods=["GET"])]
