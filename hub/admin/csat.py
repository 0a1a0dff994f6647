"""Admin: the satisfaction survey (every plan) — on or off, and its question."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.centre.csat import answers as csat
from hub.models.account import Csat
from hub.store.conversations import InvalidChange
from hub.web import i18n, pages
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_

#: The survey's default question (hub.centre.csat.answers.DEFAULT_QUESTION), for the catalogs.
N_("How did we do? Please rate our help from 1 (poor) to 5 (great).")


async def _page(request: Request, ctx: Ctx, error: str = "", status: int = 200) -> Response:
    # The gate loaded the account for this request: its survey setting is current.
    settings = ctx.account.csat or Csat()
    context = await common.context(
        ctx,
        request,
        enabled=settings.enabled,
        question=settings.question or "",
        default_question=csat.DEFAULT_QUESTION,
        error=error,
    )
    return pages.render(request, "admin/csat.html", context, status)


@page_view("admin")
async def csat_page(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def save(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    form = await request.form()
    question = form.get("question", "")
    try:
        value = await csat.configure(
            ctx.account.id, "enabled" in form, question if isinstance(question, str) else ""
        )
    except InvalidChange as exc:
        return await _page(request, ctx, exc.message, 400)
    message = (
        i18n.gettext("Survey on: sent when a conversation is resolved.")
        if value.enabled
        else i18n.gettext("Survey off.")
    )
    return common.done(request, "/admin/csat", message)


routes = [
    Route("/admin/csat", csat_page, methods=["GET"]),
    Route("/admin/csat", save, methods=["POST"]),
]
