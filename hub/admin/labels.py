"""Labels: the account's named, coloured tags (``/admin/labels``); the API's ``/labels`` twin."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.errors import Conflict, InvalidInput, NotFound
from hub.store import labels as store
from hub.store.ids import parse_id
from hub.tenants import audit
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _

REFUSED = (InvalidInput, Conflict, NotFound)


def _reason(exc: Exception, name: str) -> str:
    """The refusal in the page's language."""
    if isinstance(exc, Conflict):
        return _("The label “%(name)s” exists already.") % {"name": store.normalize(name)}
    if isinstance(exc, NotFound):
        return _("That label is not in this account.")
    field = getattr(exc, "field", None)
    if field == "colour":
        return _("Choose a colour (#rrggbb).")
    if field == "description":
        return _("A description has at most 200 characters.")
    return _("A label needs a name of 1 to 50 characters.")


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    items = await store.list_labels(ctx.account_id)
    context = await common.context(
        ctx,
        request,
        items=items,
        palette=store.PALETTE,
        next_colour=store.PALETTE[len(items) % len(store.PALETTE)],
        **extra,
    )
    return common.render(request, "labels.html", context, status)


def _fields(form: Any) -> tuple[str, str, str]:
    return (
        common.form_str(form, "name", 200),
        common.form_str(form, "colour", 20),
        common.form_str(form, "description", 1000),
    )


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    name, colour, description = _fields(await request.form())
    try:
        label = await store.create_label(ctx.account_id, name, colour or None, description)
    except REFUSED as exc:
        return await _page(request, ctx, common.status_of(exc), error=_reason(exc, name))
    await audit.record(ctx.account_id, common.actor(ctx), "label.created", f"label:{label.id}",
                       common.ip(request), {"name": label.name})  # fmt: skip
    return common.done(
        request, "/admin/labels", _("The label “%(name)s” was added.") % {"name": label.name}
    )


@page_view("admin")
async def update(request: Request, ctx: Ctx) -> Response:
    name, colour, description = _fields(await request.form())
    try:
        label_id = parse_id(request.path_params["id"])
        label = await store.update_label(
            ctx.account_id, label_id, name, colour or None, description
        )
    except REFUSED as exc:
        return await _page(request, ctx, common.status_of(exc), error=_reason(exc, name))
    await audit.record(ctx.account_id, common.actor(ctx), "label.updated", f"label:{label.id}",
                       common.ip(request), {"name": label.name})  # fmt: skip
    return common.done(
        request, "/admin/labels", _("The label “%(name)s” was saved.") % {"name": label.name}
    )


@page_view("admin")
async def delete(request: Request, ctx: Ctx) -> Response:
    try:
        label = await store.delete_label(ctx.account_id, parse_id(request.path_params["id"]))
    except REFUSED as exc:
        return await _page(request, ctx, common.status_of(exc), error=_reason(exc, ""))
    await audit.record(ctx.account_id, common.actor(ctx), "label.deleted", f"label:{label.id}",
                       common.ip(request), {"name": label.name})  # fmt: skip
    message = _("The label “%(name)s” was deleted and taken off its conversations.")
    return common.done(request, "/admin/labels", message % {"name": label.name})


routes = [
    Route("/admin/labels", index, methods=["GET"]),
    Route("/admin/labels", create, methods=["POST"]),
    Route("/admin/labels/{id}", update, methods=["POST"]),
    Route("/admin/labels/{id}/delete", delete, methods=["POST"]),
]
