"""The colleague directory (``/inbox/directory``): presence, absence, teams and contact details.

Searchable by name, email, phone or team (``hub.centre.routing.agents.directory``, the same as
``GET /api/v1/users?search=``); it refreshes live when a colleague's presence changes.
The signed-in user's own card carries their calendar settings and the last calendar error.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.routing import agents, availability
from hub.store.conversations import InvalidChange
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context


async def _page(
    request: Request, ctx: Ctx, notice: str = "", error: str = "", status: int = 200
) -> Response:
    search = request.query_params.get("q", "").strip()[:100]
    found = await agents.directory(ctx.account_id, search)
    me = next((u for u in found if u.id == ctx.user.id), ctx.user)
    context = {
        **await layout_context(ctx),
        "people": found,
        "q": search,
        "team_names": await agents.team_names(ctx.account_id),
        "shown": availability.shown_presence,
        "absence": agents.absence_out,
        "me": me,
        "notice": notice,
        "error": error,
    }
    return pages.render(request, "inbox/directory.html", context, status)


@inbox_view()
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@inbox_view()
async def calendar(request: Request, ctx: Ctx) -> Response:
    """Save the signed-in user's calendar URL and whether colleagues see event titles."""
    form = await request.form()
    fields = agents.RoutingFields.model_validate(
        {
            "calendar_url": str(form.get("calendar_url", "")).strip() or None,
            "calendar_show_title": form.get("calendar_show_title") == "on",
        }
    )
    try:
        await agents.apply_routing_fields(ctx.user, fields)
    except InvalidChange as exc:
        return await _page(request, ctx, error=exc.message, status=400)
    return await _page(request, ctx, notice="Calendar settings saved.")


routes = [
    Route("/inbox/directory", index, methods=["GET"]),
    Route("/inbox/directory/calendar", calendar, methods=["POST"]),
]
