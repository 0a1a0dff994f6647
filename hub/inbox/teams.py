"""Teams: the admin's list of teams conversations can be assigned or transferred to."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.errors import Conflict
from hub.store import teams as team_store
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context


async def _page(request: Request, ctx: Ctx, error: str = "", status: int = 200) -> Response:
    teams = await team_store.list_teams(ctx.account_id)
    context = {**await layout_context(ctx), "teams": teams, "error": error}
    return pages.render(request, "inbox/teams.html", context, status)


@inbox_view(role="admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@inbox_view(role="admin")
async def create(request: Request, ctx: Ctx) -> Response:
    name = str((await request.form()).get("name", "")).strip()
    if not 1 <= len(name) <= 80:
        return await _page(request, ctx, _("A team name is 1–80 characters."), 400)
    try:
        await team_store.create_team(ctx.account_id, name)
    except Conflict:
        return await _page(
            request, ctx, _("A team called %(name)s exists already.") % {"name": name}, 409
        )
    return pages.redirect(request, "/inbox/teams")


routes = [
    Route("/inbox/teams", index, methods=["GET"]),
    Route("/inbox/teams", create, methods=["POST"]),
]
