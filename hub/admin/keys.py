"""API keys: create (the key shown once), list (name, created, last used), revoke (401 at once)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.tenants import accounts
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.account.id is not None
    context = await common.context(
        ctx, request, keys=await accounts.list_keys(ctx.account.id), has_api="generic_api" in ctx.account.addons,
        **{"new_key": "", **extra},
    )  # fmt: skip
    return common.render(request, "keys.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    name = common.form_str(await request.form(), "name", 200)

    async def again(message: str, fields: dict[str, str], status: int) -> Response:
        return await _page(request, ctx, status, error=message)

    try:
        _made, key = await accounts.create_key(
            ctx.account, name, common.actor(ctx), common.ip(request)
        )
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return await _page(request, ctx, 201, new_key=key,
                       notice=_("The key was created. Copy it now: it is not shown again."))  # fmt: skip


@page_view("admin")
async def revoke(request: Request, ctx: Ctx) -> Response:
    async def again(message: str, fields: dict[str, str], status: int) -> Response:
        return await _page(request, ctx, status, error=message)

    try:
        key = await accounts.revoke_key(ctx.account, request.path_params["id"], common.actor(ctx),
                                        common.ip(request))  # fmt: skip
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return common.done(
        request,
        "/admin/keys",
        _("The key %(name)s was revoked; it no longer works.") % {"name": key.name},
    )


routes = [
    Route("/admin/keys", index, methods=["GET"]),
    Route("/admin/keys", create, methods=["POST"]),
    Route("/admin/keys/{id}/revoke", revoke, methods=["POST"]),
]
