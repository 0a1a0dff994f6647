"""Plan, seats and add-ons: the change is checked and priced before the admin confirms it."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.errors import InvalidInput
from hub.tenants import accounts, charges, plans
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.account.id is not None
    context = await common.context(
        ctx,
        request,
        plans=plans.PLANS,
        addons=plans.ADDONS,
        seats_used=await accounts.seats_used(ctx.account.id),
        fees={"api": plans.API_ACTIVATION_FEE_EUR},
        **{
            "wanted": {
                "plan": ctx.account.plan,
                "seats": ctx.account.seats,
                "addons": ctx.account.addons,
            },
            "quote": None,
            **extra,
        },
    )
    return common.render(request, "plan.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


def _wanted(form: Any) -> dict[str, Any]:
    seats_raw = common.form_str(form, "seats", 6)
    return {
        "plan": common.form_str(form, "plan", 10).upper(),
        "seats": int(seats_raw) if seats_raw.isdigit() else -1,
        "addons": sorted({a for a in form.getlist("addons") if a in plans.ADDONS}),
    }


@page_view("admin")
async def change(request: Request, ctx: Ctx) -> Response:
    """Without ``confirm``: the rules are checked and the cost shown. With it: applied."""
    assert ctx.account.id is not None
    form = await request.form()
    wanted = _wanted(form)
    removed = sorted(set(ctx.account.addons) - set(wanted["addons"]))
    added = sorted(set(wanted["addons"]) - set(ctx.account.addons))

    async def again(message: str, fields: dict[str, str], status: int) -> Response:
        return await _page(request, ctx, status, error=message, wanted=wanted)

    try:
        if wanted["seats"] < 0:
            raise InvalidInput("invalid_seats", _("seats must be a whole number"))
        used = await accounts.seats_used(ctx.account.id)
        plans.check_change(wanted["plan"], wanted["seats"], wanted["addons"], used, removed)
        if form.get("confirm") != "yes":
            quote = await charges.quote(
                ctx.account, wanted["plan"], wanted["seats"], wanted["addons"]
            )
            return await _page(request, ctx, wanted=wanted, quote=quote)
        await accounts.update_subscription(
            ctx.account, wanted["plan"], wanted["seats"], added, removed,
            common.actor(ctx), common.ip(request),
        )  # fmt: skip
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return common.done(request, "/admin/plan", _("The subscription was changed."))


routes = [
    Route("/admin/plan", index, methods=["GET"]),
    Route("/admin/plan", change, methods=["POST"]),
]
