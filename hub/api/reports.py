"""Reports through the API (``/api/v1/reports/...``): agents, conversations (JSON or CSV), summary.

The figures come from ``hub.centre.reports.figures``; this module parses the period
(``from``/``to``, account's time zone) and filters, and answers 400 with the
field's reason for bad input.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import cast, get_args

from beanie import PydanticObjectId
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.context import api_account
from hub.api.declare import Api, choice, day, ident
from hub.api.errors import ApiError
from hub.centre.reports import figures as reports
from hub.centre.reports.period import Period, PeriodError
from hub.models import Account
from hub.store.ids import try_id

FORMATS = ("json", "csv")
INTERVALS: tuple[str, ...] = get_args(reports.Interval)
#: The period (days in the account's time zone) and filters every report takes.
REPORT_QUERY = (
    day("from", required=True),
    day("to", required=True),
    ident("team_id"),
    ident("channel_id"),
    choice("format", FORMATS),
)


api = Api(tag="reports")


def _period(request: Request, account: Account) -> Period:
    params = request.query_params
    try:
        return Period.parse(
            params.get("from"), params.get("to"), getattr(account, "timezone", None) or "UTC"
        )
    except PeriodError as exc:
        raise ApiError(400, exc.code, exc.message) from None


def _filters(request: Request) -> reports.Filters:
    found: dict[str, str | None] = {}
    for name in ("team_id", "channel_id"):
        value = request.query_params.get(name)
        if value and try_id(value) is None:
            raise ApiError(400, "invalid_filter", f"{name} is not an id this API gave out")
        found[name] = value or None
    return reports.Filters(**found)


def _choice(request: Request, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in allowed:
        raise ApiError(400, f"invalid_{name}", f"{name} must be one of {', '.join(allowed)}")
    return value


def _data(rows: Sequence[BaseModel]) -> JSONResponse:
    return JSONResponse({"data": [r.model_dump(mode="json") for r in rows], "next_cursor": None})


def csv_response(text: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(text, media_type="text/csv; charset=utf-8", headers=headers)


async def _rows(
    request: Request,
    build: Callable[[PydanticObjectId, Period, reports.Filters], Awaitable[Sequence[BaseModel]]],
    row_type: type[BaseModel],
    name: str,
) -> Response:
    """A report of rows, as JSON or (``format=csv``) as ``name``.csv."""
    account = await api_account(request)
    assert account.id is not None
    period, filters = _period(request, account), _filters(request)
    fmt = _choice(request, "format", FORMATS, "json")
    rows = await build(account.id, period, filters)
    if fmt == "csv":
        return csv_response(reports.to_csv(rows, row_type), f"{name}.csv")
    return _data(rows)


@api.get(
    "/reports/agents",
    "report_agents",
    "Per agent in a period: assigned, handled, answer rate, first response, handle time, "
    "transfers out, outgoing messages",
    response=reports.AgentRow,
    paged=True,
    query=REPORT_QUERY,
    csv=True,
)
async def agents(request: Request) -> Response:
    return await _rows(request, reports.agents, reports.AgentRow, "agents")


@api.get(
    "/reports/conversations",
    "report_conversations",
    "One row per conversation opened in a period (JSON, or CSV with format=csv)",
    response=reports.ConversationRow,
    paged=True,
    query=REPORT_QUERY,
    csv=True,
)
async def conversations(request: Request) -> Response:
    return await _rows(request, reports.conversations, reports.ConversationRow, "conversations")


@api.get(
    "/reports/summary",
    "report_summary",
    "A time series per hour or day: opened, resolved, answered, median first response",
    response=reports.SummaryPoint,
    paged=True,
    query=(*REPORT_QUERY, choice("interval", INTERVALS)),
    csv=True,
)
async def summary(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    period, filters = _period(request, account), _filters(request)
    interval = _choice(request, "interval", INTERVALS, "day")
    fmt = _choice(request, "format", FORMATS, "json")
    try:
        period.check_interval(interval)
    except PeriodError as exc:
        raise ApiError(400, exc.code, exc.message) from None
    points = await reports.summary(account.id, period, cast(reports.Interval, interval), filters)
    if fmt == "csv":
        return csv_response(reports.to_csv(points, reports.SummaryPoint), "summary.csv")
    return _data(points)


routes = api.routes()
