"""Outbound webhooks and their delivery console: subscriptions (the signing secret shown
once) with their health, each one's delivery log with the request and the answer of every
attempt, redeliver one, redeliver the failed ones of a time range, send a test ping,
rotate the secret."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.admin.common import status_of
from hub.contract import now
from hub.errors import Conflict, InvalidInput
from hub.integrations import subscriptions
from hub.models import WebhookSubscription
from hub.models.webhook import EVENT_TYPES
from hub.tenants import audit, plans
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _
from hub.web.i18n import ngettext

#: The ``datetime-local`` inputs' format (the account's time zone).
LOCAL = "%Y-%m-%dT%H:%M"


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
        sub = await subscriptions.create(ctx.account.id, url, events, ctx.hub.cipher)
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


def _zone(ctx: Ctx) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(ctx.account.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


async def _log(
    request: Request, ctx: Ctx, sub: WebhookSubscription, status: int = 200, **extra: Any
) -> Response:
    assert ctx.account.id is not None
    zone = _zone(ctx)
    # the form's minutes: the default range ends at the next whole minute, so it holds now
    at = (now().astimezone(zone) + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    context = await common.context(
        ctx, request, sub=sub, deliveries=await subscriptions.deliveries(ctx.account.id, sub),
        since=(at - dt.timedelta(days=1)).strftime(LOCAL), until=at.strftime(LOCAL),
        **{"secret": "", **extra},
    )  # fmt: skip
    return common.render(request, "webhook_log.html", context, status)


@page_view("admin")
async def log(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    return await _log(request, ctx, sub)


def _refusal(exc: Conflict | InvalidInput) -> str:
    """The page's words for a refused console action."""
    if exc.code == "subscription_disabled":
        return _("This subscription is disabled; nothing is sent to it. Make a new one.")
    return _("The end of the range must be after its start.")


def _wake(request: Request) -> None:
    worker = request.app.state.workers.get("webhook_deliveries")
    if worker is not None:
        worker.wake()


@page_view("admin")
async def redeliver(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    try:
        delivery = await subscriptions.redeliver(
            ctx.account.id, sub, request.path_params["delivery_id"]
        )
    except Conflict as exc:
        return await _log(request, ctx, sub, status_of(exc), error=_refusal(exc))
    _wake(request)
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.redelivered",
                       f"delivery:{delivery.id}", common.ip(request), {"event": delivery.event_type})  # fmt: skip
    return common.done(request, f"/admin/webhooks/{sub.id}", _("The delivery was queued again."))


def _local(raw: str, zone: dt.tzinfo) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


@page_view("admin")
async def redeliver_failed(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    form = await request.form()
    zone = _zone(ctx)
    since = _local(common.form_str(form, "from", 40), zone)
    until = _local(common.form_str(form, "to", 40), zone)
    if since is None or until is None:
        return await _log(
            request, ctx, sub, 400, error=_("Give the start and the end of the range.")
        )
    try:
        count = await subscriptions.redeliver_failed(ctx.account.id, sub, since, until)
    except (Conflict, InvalidInput) as exc:
        return await _log(request, ctx, sub, status_of(exc), error=_refusal(exc))
    _wake(request)
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.redelivered_failed",
                       f"webhook:{sub.id}", common.ip(request),
                       {"from": since.isoformat(), "to": until.isoformat(), "count": count})  # fmt: skip
    message = ngettext(
        "%(count)s failed delivery was queued again.",
        "%(count)s failed deliveries were queued again.",
        count,
    ) % {"count": count}
    return common.done(request, f"/admin/webhooks/{sub.id}", message)


@page_view("admin")
async def ping(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.get(ctx.account.id, request.path_params["id"])
    try:
        delivery = await subscriptions.ping(ctx.account.id, sub)
    except Conflict as exc:
        return await _log(request, ctx, sub, status_of(exc), error=_refusal(exc))
    _wake(request)
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.tested",
                       f"delivery:{delivery.id}", common.ip(request), {"url": sub.url})  # fmt: skip
    message = _("A test ping was sent; its delivery is at the top of the log.")
    return common.done(request, f"/admin/webhooks/{sub.id}", message)


@page_view("admin")
async def rotate(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    sub = await subscriptions.rotate(ctx.account.id, request.path_params["id"], ctx.hub.cipher)
    await audit.record(ctx.account.id, common.actor(ctx), "webhook.secret_rotated",
                       f"webhook:{sub.id}", common.ip(request), {"url": sub.url})  # fmt: skip
    notice = _("New signing secret. Copy it now: it is not shown again. "
               "The old one also signs deliveries for 24 hours.")  # fmt: skip
    return await _log(request, ctx, sub, secret=sub.secret, notice=notice)


routes = [
    Route("/admin/webhooks", index, methods=["GET"]),
    Route("/admin/webhooks", create, methods=["POST"]),
    Route("/admin/webhooks/{id}", log, methods=["GET"]),
    Route("/admin/webhooks/{id}/delete", remove, methods=["POST"]),
    Route("/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver", redeliver, methods=["POST"]),
    Route("/admin/webhooks/{id}/redeliver_failed", redeliver_failed, methods=["POST"]),
    Route("/admin/webhooks/{id}/test", ping, methods=["POST"]),
    Route("/admin/webhooks/{id}/rotate", rotate, methods=["POST"]),
]
