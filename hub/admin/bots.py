"""Bots: the account's chatbots (chatbot_api add-on), register on channels and remove."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.admin.common import status_of
from hub.errors import HubError, InvalidInput
from hub.integrations import bots
from hub.store import bots as bot_store
from hub.tenants import audit, channels, plans
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.account.id is not None
    found = await bot_store.bots_oldest_first(ctx.account.id)
    context = await common.context(
        ctx, request, bots=found, channels=await channels.list_channels(ctx.account.id),
        has_addon="chatbot_api" in ctx.account.addons, **{"token": "", "secret": "", **extra},
    )  # fmt: skip
    return common.render(request, "bots.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    form = await request.form()
    name = common.form_str(form, "name", 100)
    url = common.form_str(form, "webhook_url", 2000)
    channel_ids = [c for c in form.getlist("channel_ids") if isinstance(c, str)]
    try:
        plans.require_addon(ctx.account.addons, "chatbot_api")
        if not name or not url.startswith(("https://", "http://")) or not channel_ids:
            raise InvalidInput(
                "invalid_bot", _("a bot needs a name, an http(s) webhook URL and a channel")
            )
        bot, token = await bots.register(ctx.account.id, name, url, channel_ids, ctx.hub.cipher)
    except HubError as exc:
        return await _page(request, ctx, status_of(exc), error=exc.message)
    await audit.record(ctx.account.id, common.actor(ctx), "bot.created", f"bot:{bot.id}",
                       common.ip(request), {"name": name, "webhook_url": url})  # fmt: skip
    return await _page(request, ctx, 201, token=token, secret=bot.secret,
                       notice=_("The bot was registered. Copy its token and secret now."))  # fmt: skip


@page_view("admin")
async def remove(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    bot = await bots.get_bot(ctx.account.id, request.path_params["id"])
    await bots.remove(request.app.state.hub, ctx.account.id, str(bot.id))
    await audit.record(ctx.account.id, common.actor(ctx), "bot.deleted", f"bot:{bot.id}",
                       common.ip(request), {"name": bot.name})  # fmt: skip
    return common.done(
        request,
        "/admin/bots",
        _("The bot %(name)s was removed; its conversations went to people.") % {"name": bot.name},
    )


routes = [
    Route("/admin/bots", index, methods=["GET"]),
    Route("/admin/bots", create, methods=["POST"]),
    Route("/admin/bots/{id}/delete", remove, methods=["POST"]),
]
