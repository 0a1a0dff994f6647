"""The audit log: who changed what, from where; filtered by actor, action and date; CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zoneinfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.contract import now
from hub.models import AuditEvent
from hub.tenants import audit
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _

DEFAULT_DAYS = 30


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _csv(events: list[AuditEvent]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["at", "actor_type", "actor_id", "actor_name", "ip", "action", "target", "details"]
    )
    for e in events:
        writer.writerow([e.at.isoformat(), e.actor.type, e.actor.id or "", e.actor.name, e.ip or "",
                         e.action, e.target or "", json.dumps(e.details, default=str)])  # fmt: skip
    headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    q = request.query_params
    tz = zoneinfo.ZoneInfo(ctx.account.timezone) if ctx.account.timezone != "UTC" else dt.UTC
    today = now().astimezone(tz).date()
    until = _day(q.get("to", "")) or today
    since = _day(q.get("from", "")) or until - dt.timedelta(days=DEFAULT_DAYS)
    error = ""
    if since > until:
        error, since = (
            _("The start date is after the end date; showing the 30 days before it."),
            until - dt.timedelta(days=DEFAULT_DAYS),
        )
    start = dt.datetime.combine(since, dt.time(), tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tz)
    actor_id, action = q.get("actor", "")[:100], q.get("action", "")[:100]
    events = await audit.events_between(
        ctx.account.id, start, end, actor_id or None, action or None
    )
    if q.get("format") == "csv":
        return _csv(events)
    context = await common.context(
        ctx, request, events=events, since=since.isoformat(), until=until.isoformat(),
        actor_id=actor_id, action=action, error=error, query=str(request.url.query),
    )  # fmt: skip
    return common.render(request, "audit.html", context)


routes = [Route("/admin/audit", index, methods=["GET"])]
