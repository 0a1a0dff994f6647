"""The admin's overview: plan, seats used and total, add-ons, this month's charges so far."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.contract import now
from hub.tenants import accounts, charges
from hub.web.guard import Ctx, page_view


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    month = charges.month_of(now())
    statement = await charges.statement(ctx.account.id, month)
    context = await common.context(
        ctx,
        request,
        seats_used=await accounts.seats_used(ctx.account.id),
        statement=statement,
        month=month,
        monthly=charges.monthly_price(ctx.account.plan, ctx.account.seats, ctx.account.addons),
    )
    return common.render(request, "overview.html", context)


routes = [Route("/admin", index, methods=["GET"])]
