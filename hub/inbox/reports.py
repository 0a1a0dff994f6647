"""The reports page (``/inbox/reports``, supervisors and admins): agent table, charts, CSV.

The figures are ``hub.centre.reports.figures``'; the period is ``from``/``to`` in the
account's time zone (default: the last seven days), with optional team and
channel filters and an hour or day interval. Every table downloads as CSV and
every chart is an SVG document of its own (``hub.inbox.charts``).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from beanie import PydanticObjectId
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.reports import figures as reports
from hub.centre.reports.period import Period, PeriodError, zone
from hub.contract import now
from hub.inbox import charts, directory
from hub.web import pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context

DEFAULT_DAYS = 7
TABLES: dict[str, tuple[Callable[..., Awaitable[list[Any]]], type[BaseModel]]] = {
    "agents": (reports.agents, reports.AgentRow),
    "conversations": (reports.conversations, reports.ConversationRow),
}


def _tz(ctx: Ctx) -> str:
    return str(getattr(ctx.account, "timezone", None) or "UTC")


def _query(request: Request, ctx: Ctx) -> dict[str, str]:
    """The page's query with defaults filled in (the last seven days, per day)."""
    params = request.query_params
    today = now().astimezone(zone(_tz(ctx))).date()
    return {
        "from": params.get("from") or (today - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "to": params.get("to") or today.isoformat(),
        "team_id": params.get("team_id", ""),
        "channel_id": params.get("channel_id", ""),
        "interval": params.get("interval") or "day",
    }


def _parsed(query: dict[str, str], ctx: Ctx) -> tuple[Period, reports.Filters]:
    period = Period.parse(query["from"], query["to"], _tz(ctx))
    period.check_interval(query["interval"])
    for name in ("team_id", "channel_id"):
        if query[name] and not PydanticObjectId.is_valid(query[name]):
            raise PeriodError("invalid_filter", f"{name} is not a known id")
    filters = reports.Filters(
        team_id=query["team_id"] or None, channel_id=query["channel_id"] or None
    )
    return period, filters


@inbox_view("supervisor")
async def page(request: Request, ctx: Ctx) -> Response:
    query = _query(request, ctx)
    context: dict[str, Any] = {
        **await layout_context(ctx),
        "q": query,
        "qs": urllib.parse.urlencode(query),
        "names": await directory.load(ctx.account_id),
        "error": "",
        "agents": [],
        "points": [],
    }
    try:
        period, filters = _parsed(query, ctx)
    except PeriodError as exc:
        context["error"] = exc.message
        return pages.render(request, "inbox/reports.html", context, 400)
    context["agents"] = await reports.agents(ctx.account_id, period, filters)
    context["points"] = await reports.summary(ctx.account_id, period, query["interval"], filters)  # type: ignore[arg-type]
    return pages.render(request, "inbox/reports.html", context)


@inbox_view("supervisor")
async def table_csv(request: Request, ctx: Ctx) -> Response:
    name = request.path_params["table"]
    query = _query(request, ctx)
    try:
        period, filters = _parsed(query, ctx)
    except PeriodError as exc:
        return error_page(request, 400, exc.message)
    if name == "summary":
        rows: list[Any] = await reports.summary(ctx.account_id, period, query["interval"], filters)  # type: ignore[arg-type]
        model: type[BaseModel] = reports.SummaryPoint
    elif name in TABLES:
        read, model = TABLES[name]
        rows = await read(ctx.account_id, period, filters)
    else:
        return error_page(request, 404, _("No such report."))
    filename = f"{name}-{query['from']}-{query['to']}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(
        reports.to_csv(rows, model), media_type="text/csv; charset=utf-8", headers=headers
    )


@inbox_view("supervisor")
async def chart(request: Request, ctx: Ctx) -> Response:
    draw = charts.CHARTS.get(request.path_params["name"])
    if draw is None:
        return error_page(request, 404, _("No such chart."))
    query = _query(request, ctx)
    try:
        period, filters = _parsed(query, ctx)
    except PeriodError as exc:
        return error_page(request, 400, exc.message)
    points = await reports.summary(ctx.account_id, period, query["interval"], filters)  # type: ignore[arg-type]
    headers = {"Content-Security-Policy": charts.SVG_CSP, "Cache-Control": "no-store"}
    return Response(draw(points), media_type="image/svg+xml", headers=headers)


routes = [
    Route("/inbox/reports", page, methods=["GET"]),
    Route("/inbox/reports/chart/{name}.svg", chart, methods=["GET"]),
    Route("/inbox/reports/{table}.csv", table_csv, methods=["GET"]),
]
