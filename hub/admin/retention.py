"""The retention page: how long the account keeps personal data, and what the next purge deletes."""

from __future__ import annotations

from typing import Any, Literal

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.tenants import audit, retention
from hub.web import pages
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _

FIELDS = {
    "conversations_days": N_("Resolved conversations, with their messages and files"),
    "callback_notes_days": N_("Notes on callback attempts"),
    "activity_days": N_("Presence and sign-in history"),
}
CUTOFF_OF: dict[str, Literal["conversations", "callback_notes", "activity_events"]] = {
    "conversations_days": "conversations",
    "callback_notes_days": "callback_notes",
    "activity_days": "activity_events",
}


async def _page(
    request: Request,
    ctx: Ctx,
    error: str = "",
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    preview = await retention.preview(ctx.hub, ctx.account)
    settings = ctx.account.retention.model_dump()
    rows = [
        {
            "field": field,
            "label": _(label),
            "value": (values or settings).get(field),
            "cutoff": preview["cutoffs"][CUTOFF_OF[field]],
        }
        for field, label in FIELDS.items()
    ]
    context = await common.context(
        ctx,
        request,
        rows=rows,
        preview=preview,
        books_days=retention.BOOKS_DAYS,
        error=error,
        saved=request.query_params.get("saved") == "1",
    )
    return pages.render(request, "admin/retention.html", context, status)


@page_view(role="admin")
async def show(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


def _submitted(form: FormData) -> dict[str, Any]:
    """The form as a retention value: an empty field keeps data; digits are days."""
    value: dict[str, Any] = {}
    for field in FIELDS:
        raw = str(form.get(field, "")).strip()
        value[field] = None if raw == "" else int(raw) if raw.isdigit() else raw
    return value


@page_view(role="admin")
async def save(request: Request, ctx: Ctx) -> Response:
    value = _submitted(await request.form())
    try:
        await retention.set_retention(
            ctx.account,
            value,
            audit.of_user(ctx.user),
            request.client.host if request.client else None,
        )
    except retention.InvalidRetention as exc:
        label = FIELDS.get(exc.field.removeprefix("retention."), exc.field)
        message = _("%(label)s: a whole number of days from 1 to %(max)s, or empty.") % {
            "label": _(label),
            "max": retention.MAX_DAYS,
        }
        return await _page(request, ctx, message, 400, value)
    return pages.redirect(request, "/admin/retention?saved=1")


routes = [
    Route("/admin/retention", show, methods=["GET"]),
    Route("/admin/retention", save, methods=["POST"]),
]
