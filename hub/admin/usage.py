"""Usage and charges per month, from the ledger: the same statement as ``parley usage``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.contract import now
from hub.tenants import charges
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_

#: The statement's one-off lines the core names in English (hub.tenants.charges).
ONE_OFF_ITEMS = (N_("API activation"), N_("Account activation"))


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    month = request.query_params.get("month") or charges.month_of(now())
    error = ""
    try:
        charges.month_bounds(month)
    except charges.BadMonth as exc:
        error, month = str(exc), charges.month_of(now())
    statement = await charges.statement(ctx.account.id, month)
    if request.query_params.get("format") == "csv" and not error:
        headers = {"Content-Disposition": f'attachment; filename="charges-{month}.csv"'}
        return Response(statement.as_csv(), media_type="text/csv; charset=utf-8", headers=headers)
    context = await common.context(
        ctx,
        request,
        statement=statement,
        month=month,
        error=error,
        one_off_items=ONE_OFF_ITEMS,
    )
    return common.render(request, "usage.html", context, 400 if error else 200)


routes = [Route("/admin/usage", index, methods=["GET"])]
