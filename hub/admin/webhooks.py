"""Outbound webhooks: subscriptions (the signing secret shown once), their delivery log with
status and response code, redeliver."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.admin.common import status_of
from hub.integrations import subscriptions
from hub.models.webhook import EVENT_TYPES
from hub.tenants import audit, plans
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.account.id is not None
    context = await common.context(
        ctx, request, subs=await subscriptions.list_all(ctx.account.id), event_types=EVENT_TYPES,
        **{"secret": "", **extra},
    )  # fmt: skip
    return common.render(request, "webhooks.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    form = await request.form()
    url = common.form_str(form, "url", 2100)
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    try:
        plans.require_addon(ctx.account.addons, "generic_api")
        sub = await subscriptions.create(ctx.account.id, url, events)
    except (subscriptions.SubscriptionError, plans.PlanError) as exc:
        return await _page(request, ctx, status_of(exc), error=exc.message)
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.created", f"webhook:{sub.id}",
                       common.ip(request), {"url": url, "events": events})  # fmt: skip
    return await _page(request, ctx, 201, secret=sub.secret,
                       notice=_("Subscribed. Copy the signing secret now: it is not shown again."))  # fmt: skip


@page_view("admin")
async def remove(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.remove(ctx.account.id, request.path_params["id"])
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.deleted", f"webhook:{sub.id}",
                       common.ip(request), {"url": sub.url})  # fmt: skip
    return common.done(request, "/admin/webhooks", _("The subscription was removed."))


@page_view("admin")
async def log(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    context = await common.context(
        ctx, request, sub=sub, deliveries=await subscriptions.deliveries(ctx.account.id, sub)
    )
    return common.render(request, "webhook_log.html", context)


@page_view("admin")
async def redeliver(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    delivery = await subscriptions.redeliver(
        ctx.account.id, sub, request.path_params["delivery_id"]
    )
    worker = request.app.state.workers.get("webhook_deliveries")
    if worker is not None:
        worker.wake()
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.redelivered",
                       f"delivery:{delivery.id}", common.ip(request), {"event": delivery.event_type})  # fmt: skip
    return common.done(request, f"/admin/webhooks/{sub.id}", _("The delivery was queued again."))


routes = [
    Route("/admin/webhooks", index, methods=["GET"]),
    Route("/admin/webhooks", create, methods=["POST"]),
    Route("/admin/webhooks/{id}", log, methods=["GET"]),
    Route("/admin/webhooks/{id}/delete", remove, methods=["POST"]),
    Route("/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver", redeliver, methods=["POST"]),
]
