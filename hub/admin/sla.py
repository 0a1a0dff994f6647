"""Admin: SLA policies (PRO) — list, add and delete, with the API's validation; 402 on HUB."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.centre.sla import policies as sla_policies
from hub.store import channels as channel_store
from hub.store import teams as team_store
from hub.store.conversations import PRIORITIES, InvalidChange
from hub.tenants.plans import PlanRequired
from hub.web import i18n, pages
from hub.web.guard import Ctx, error_page, page_view


async def _page(
    request: Request,
    ctx: Ctx,
    error: str = "",
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    assert ctx.account.id is not None
    try:
        policies = await sla_policies.list_policies(ctx.account.id)
    except PlanRequired as exc:
        return error_page(
            request,
            402,
            i18n.gettext("%(reason)s: change the plan under Plan and seats.")
            % {"reason": exc.message},
            home=("/admin/plan", i18n.N_("Plan and seats")),
        )
    account_id = ctx.account.id
    context = await common.context(
        ctx,
        request,
        policies=policies,
        channels=await channel_store.channels_unordered(account_id),
        teams=await team_store.teams_unordered(account_id),
        priorities=PRIORITIES,
        error=error,
        form=form or {},
    )
    return pages.render(request, "admin/sla.html", context, status)


@page_view("admin")
async def sla_page(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


def _minutes(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidChange(
            "invalid_sla_policy", i18n.gettext("Minutes: give whole numbers.")
        ) from None


@page_view("admin")
async def add_policy(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    form = await request.form()
    values = {k: str(v)[:200] for k, v in form.items() if isinstance(v, str)}
    try:
        vip = {"yes": True, "no": False}.get(values.get("vip", ""))
        body = sla_policies.PolicyIn(
            name=values.get("name", ""),
            first_response_minutes=_minutes(values.get("first_response_minutes", "")),
            next_response_minutes=_minutes(values.get("next_response_minutes", "")),
            resolution_minutes=_minutes(values.get("resolution_minutes", "")),
            business_hours_only="business_hours_only" in form,
            pause_when_pending="pause_when_pending" in form,
            applies_to=sla_policies.AppliesToIn(
                channel_ids=[str(v) for v in form.getlist("channel_ids")],
                team_ids=[str(v) for v in form.getlist("team_ids")],
                priorities=[str(v) for v in form.getlist("priorities")],
                vip=vip,
            ),
        )
        policy = await sla_policies.create_policy(ctx.account.id, body)
    except PlanRequired as exc:
        return error_page(request, 402, exc.message)
    except InvalidChange as exc:
        return await _page(request, ctx, exc.message, values, 400)
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"])
        return await _page(request, ctx, f"{where}: {exc.errors()[0]['msg']}", values, 400)
    message = i18n.gettext("Policy %(name)s added.") % {"name": policy.name}
    return common.done(request, "/admin/sla", message)


@page_view("admin")
async def delete_policy(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    try:
        policy = await sla_policies.delete_policy(ctx.account.id, request.path_params["id"])
    except PlanRequired as exc:
        return error_page(request, 402, exc.message)
    message = i18n.gettext("Policy %(name)s deleted; running clocks keep their times.") % {
        "name": policy.name
    }
    return common.done(request, "/admin/sla", message)


routes = [
    Route("/admin/sla", sla_page, methods=["GET"]),
    Route("/admin/sla", add_policy, methods=["POST"]),
    Route("/admin/sla/{id}/delete", delete_policy, methods=["POST"]),
]
