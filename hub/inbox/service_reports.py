"""The SLA report (PRO) and the CSAT figures in the inbox, for supervisors and admins, with CSV.

On HUB the SLA page answers 402 with a page that says the PRO plan is needed.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.csat import report as csat_report
from hub.centre.reports import live
from hub.centre.sla import report as sla_report
from hub.tenants.plans import PlanRequired
from hub.web import pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.layout import layout_context


def _csv(body: str, name: str) -> Response:
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@inbox_view("supervisor")
async def sla_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params
    try:
        result = await sla_report.report(ctx.account_id, q.get("from"), q.get("to"))
    except PlanRequired as exc:
        return error_page(request, 402, f"{exc.message}. An admin can change the plan in /admin.")
    if q.get("format") == "csv":
        return _csv(sla_report.as_csv(result), f"sla-{result['from']}-{result['to']}.csv")
    context = {
        **await layout_context(ctx),
        "report": result,
        "at_risk": await live.sla_at_risk_total(ctx.account),
    }
    return pages.render(request, "inbox/sla_report.html", context)


@inbox_view("supervisor")
async def csat_page(request: Request, ctx: Ctx) -> Response:
    q = request.query_params
    result = await csat_report.summary(ctx.account_id, q.get("from"), q.get("to"))
    if q.get("format") == "csv":
        return _csv(csat_report.as_csv(result), f"csat-{result['from']}-{result['to']}.csv")
    context = {**await layout_context(ctx), "report": result}
    return pages.render(request, "inbox/csat_report.html", context)


routes = [
    Route("/inbox/reports/sla", sla_page, methods=["GET"]),
    Route("/inbox/reports/csat", csat_page, methods=["GET"]),
]
