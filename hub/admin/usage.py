"""Usage and charges per month, from the ledger: the same statement as ``parley usage``."""

from __future__ import annotations

import datetime as dt
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.contract import now
from hub.tenants import charges
from hub.web import i18n
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_

#: The statement's one-off lines the core names in English (hub.tenants.charges).
ONE_OFF_ITEMS = (N_("API activation"), N_("Account activation"))
#: The statement's other lines as the core writes them (English: the CSV and the CLI's).
_PRORATED = re.compile(
    r"(?P<name>.+?) (?P<kind>seats|add-on), (?P<since>\d{4}-\d\d-\d\d) to "
    r"(?P<until>\d{4}-\d\d-\d\d) \((?P<span>\d+)/(?P<days>\d+) days\)"
)
_CHANNEL = re.compile(r"Channel activation: (?P<name>.*) \((?P<type>[\w-]*)\)")


def item_in_words(item: str) -> str:
    """A statement line in the reader's language (plan and add-on names stay identifiers)."""
    _ = i18n.gettext
    if item in ONE_OFF_ITEMS:
        return _(item)
    if m := _PRORATED.fullmatch(item):
        values = {
            "name": m["name"], "span": m["span"], "days": m["days"],
            "since": i18n.format_date(dt.date.fromisoformat(m["since"])),
            "until": i18n.format_date(dt.date.fromisoformat(m["until"])),
        }  # fmt: skip
        if m["kind"] == "seats":
            return _("%(name)s seats, %(since)s to %(until)s (%(span)s of %(days)s days)") % values
        return _("Add-on %(name)s, %(since)s to %(until)s (%(span)s of %(days)s days)") % values
    if m := _CHANNEL.fullmatch(item):
        return _("Channel activation: %(name)s (%(type)s)") % m.groupdict()
    return item


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
        item_in_words=item_in_words,
    )
    return common.render(request, "usage.html", context, 400 if error else 200)


routes = [Route("/admin/usage", index, methods=["GET"])]
