"""Presence: an agent sets available / away / offline; colleagues see it live."""

from __future__ import annotations

from typing import get_args

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.routing import presence as centre_presence
from hub.models import User
from hub.web import pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.layout import layout_context

PRESENCES = get_args(User.model_fields["presence"].annotation)


async def _panel(ctx: Ctx) -> Response:
    html = pages.render_block("base.html", "presence", await layout_context(ctx))
    return Response(html, media_type="text/html")


@inbox_view()
async def show(request: Request, ctx: Ctx) -> Response:
    return await _panel(ctx)


@inbox_view()
async def set_presence(request: Request, ctx: Ctx) -> Response:
    value = str((await request.form()).get("presence", ""))
    if value not in PRESENCES:
        return error_page(request, 400, f"Status must be one of {', '.join(PRESENCES)}.")
    await centre_presence.set_presence(ctx.user, value)
    return await _panel(ctx)


routes = [
    Route("/inbox/presence", show, methods=["GET"]),
    Route("/inbox/presence", set_presence, methods=["POST"]),
]
