"""Canned answers: the admin's list of saved replies (``/shortcut`` → text)."""

from __future__ import annotations

import re

from pymongo.errors import DuplicateKeyError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.models import CannedResponse
from hub.store.conversations import NotFound, oid
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context

SHORTCUT = re.compile(r"^[\w-]{1,40}$")


async def _page(request: Request, ctx: Ctx, error: str = "", status: int = 200) -> Response:
    items = (
        await CannedResponse.find(CannedResponse.account_id == ctx.account.id)
        .sort("shortcut")
        .to_list()
    )
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
    assert ctx.account.id is not None
    try:
        await CannedResponse(account_id=ctx.account.id, shortcut=shortcut, text=text).insert()
    except DuplicateKeyError:
        return await _page(
            request, ctx, _("/%(shortcut)s exists already.") % {"shortcut": shortcut}, 409
        )
    return pages.redirect(request, "/inbox/canned")


@inbox_view(role="admin")
async def delete(request: Request, ctx: Ctx) -> Response:
    found = await CannedResponse.find_one(
        CannedResponse.id == oid(request.path_params["id"]),
        CannedResponse.account_id == ctx.account.id,
    )
    if found is None:
        raise NotFound(request.path_params["id"])
    await found.delete()
    return pages.redirect(request, "/inbox/canned")


routes = [
    Route("/inbox/canned", index, methods=["GET"]),
    Route("/inbox/canned", create, methods=["POST"]),
    Route("/inbox/canned/{id}/delete", delete, methods=["POST"]),
]
