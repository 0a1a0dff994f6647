"""Canned answers: add, edit, delete the account's saved replies (``/shortcut`` → text)."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.errors import InvalidInput, NotFound
from hub.models import CannedResponse
from hub.store import canned as store
from hub.store.ids import try_id
from hub.tenants import audit
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _

SHORTCUT = re.compile(r"^[\w-]{1,40}$")


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    items = await store.list_canned(ctx.account_id)
    context = await common.context(ctx, request, items=items, **extra)
    return common.render(request, "canned.html", context, status)


def _parsed(form: Any) -> tuple[str, str]:
    shortcut = common.form_str(form, "shortcut", 60).lstrip("/").lower()
    text = common.form_str(form, "text", 5000)
    if not SHORTCUT.match(shortcut) or not 1 <= len(text) <= 4000:
        raise InvalidInput(
            "invalid_canned",
            _("A shortcut is 1-40 letters, digits, - or _; the text 1-4000 characters."),
        )
    return shortcut, text


async def _again(request: Request, ctx: Ctx) -> Any:
    async def again(message: str, fields: dict[str, str], status: int) -> Response:
        return await _page(request, ctx, status, error=message)

    return again


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    try:
        shortcut, text = _parsed(await request.form())
        item = await store.insert_canned(ctx.account.id, shortcut, text)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, await _again(request, ctx))
    await audit.record(ctx.account.id, common.actor(ctx), "canned.created", f"canned:{item.id}",
                       common.ip(request), {"shortcut": shortcut})  # fmt: skip
    return common.done(
        request, "/admin/canned", _("/%(shortcut)s was added.") % {"shortcut": shortcut}
    )


async def _item(ctx: Ctx, request: Request) -> CannedResponse:
    item_id = try_id(request.path_params["id"])
    found = None if item_id is None else await store.get_canned(ctx.account_id, item_id)
    if found is None or found.id is None:
        raise NotFound("no such canned answer")
    return found


@page_view("admin")
async def update(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    try:
        item = await _item(ctx, request)
        shortcut, text = _parsed(await request.form())
        assert item.id is not None
        await store.update_canned(ctx.account.id, item.id, shortcut, text)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, await _again(request, ctx))
    await audit.record(ctx.account.id, common.actor(ctx), "canned.updated", f"canned:{item.id}",
                       common.ip(request), {"shortcut": shortcut})  # fmt: skip
    return common.done(
        request, "/admin/canned", _("/%(shortcut)s was saved.") % {"shortcut": shortcut}
    )


@page_view("admin")
async def delete(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    try:
        item = await _item(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, await _again(request, ctx))
    assert item.id is not None
    await store.discard_canned(ctx.account.id, item.id)
    await audit.record(ctx.account.id, common.actor(ctx), "canned.deleted", f"canned:{item.id}",
                       common.ip(request), {"shortcut": item.shortcut})  # fmt: skip
    return common.done(
        request, "/admin/canned", _("/%(shortcut)s was deleted.") % {"shortcut": item.shortcut}
    )


routes = [
    Route("/admin/canned", index, methods=["GET"]),
    Route("/admin/canned", create, methods=["POST"]),
    Route("/admin/canned/{id}", update, methods=["POST"]),
    Route("/admin/canned/{id}/delete", delete, methods=["POST"]),
]
