"""Canned answers: the admin's list of saved replies (``/shortcut`` → text)."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.errors import Conflict
from hub.store import canned
from hub.store.ids import parse_id
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context

SHORTCUT = re.compile(r"^[\w-]{1,40}$")


async def _page(request: Request, ctx: Ctx, error: str = "", status: int = 200) -> Response:
    items = await canned.list_canned(ctx.account_id)
    context = {**await layout_context(ctx), "items": items, "error": error, "suggestions": []}
    return pages.render(request, "inbox/canned.html", context, status)


@inbox_view(role="admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@inbox_view(role="admin")
async def create(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    shortcut = str(form.get("shortcut", "")).strip().lstrip("/").lower()
    text = str(form.get("text", "")).strip()
    if not SHORTCUT.match(shortcut) or not text or len(text) > 4000:
        message = _("A shortcut is 1-40 letters, digits, - or _; the text 1-4000 characters.")
        return await _page(request, ctx, message, 400)
    try:
        await canned.create_canned(ctx.account_id, shortcut, text)
    except Conflict:
        return await _page(
            request, ctx, _("/%(shortcut)s exists already.") % {"shortcut": shortcut}, 409
        )
    return pages.redirect(request, "/inbox/canned")


@inbox_view(role="admin")
async def delete(request: Request, ctx: Ctx) -> Response:
    await canned.delete_canned(ctx.account_id, parse_id(request.path_params["id"]))
    return pages.redirect(request, "/inbox/canned")


routes = [
    Route("/inbox/canned", index, methods=["GET"]),
    Route("/inbox/canned", create, methods=["POST"]),
    Route("/inbox/canned/{id}/delete", delete, methods=["POST"]),
]
