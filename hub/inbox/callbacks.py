"""The callback list page (``/inbox/callbacks``): sortable columns, filters, calling, outcomes.

Live: the rows refetch on the stream's ``callbacks`` signal. "I'm calling now" marks
the agent as the handler (a colleague who tries the same gets a 409 with who is
calling); an outcome needs a note. The rules are ``hub.centre.callbacks.lifecycle``'s.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass
from typing import Any, TypedDict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.callbacks.settings import zone
from hub.contract import now
from hub.models import CallbackRequest
from hub.tenants.auth import has_role
from hub.web import i18n, pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context

COLUMNS = (
    ("requested_at", N_("Requested")),
    ("window", N_("Call between")),
    ("team", N_("Queue")),
    ("customer_input", N_("Customer input")),
    ("handler", N_("Handler")),
    ("status", N_("Status")),
    ("last_note", N_("Last note")),
)
STATUS_CHOICES = (
    ("open", N_("To do")),
    ("waiting", N_("Not handled")),
    ("requeued", N_("Re-queued")),
    ("done", N_("Done")),
    ("cancelled", N_("Cancelled")),
    ("any", N_("All")),
)


@dataclass
class Filters:
    status: str = "open"
    team: str = ""
    sort: str = "requested_at"
    order: str = "asc"

    @classmethod
    def of(cls, values: Any) -> Filters:
        f = cls(
            status=str(values.get("status") or "open"),
            team=str(values.get("team") or ""),
            sort=str(values.get("sort") or "requested_at"),
            order=str(values.get("order") or "asc"),
        )
        if f.status not in callbacks.STATUS_FILTERS:
            f.status = "open"
        if f.sort not in callbacks.SORTS:
            f.sort = "requested_at"
        if f.order not in ("asc", "desc"):
            f.order = "asc"
        return f

    def url(self, **changes: str) -> str:
        query = {"status": self.status, "team": self.team, "sort": self.sort, "order": self.order}
        return "/inbox/callbacks?" + urllib.parse.urlencode({**query, **changes})

    def sort_link(self, column: str) -> str:
        order = "desc" if self.sort == column and self.order == "asc" else "asc"
        return self.url(sort=column, order=order)

    def aria_sort(self, column: str) -> str:
        if self.sort != column:
            return "none"
        return "ascending" if self.order == "asc" else "descending"


def _when(at: dt.datetime | None, tz: str) -> str:
    return i18n.format_moment(at, zone(tz)) if at else ""


class CallbackRow(TypedDict):
    """One row of the list: the callback and its times as shown, in the account's zone."""

    c: CallbackRequest
    requested: str
    window: str
    team: str
    calling: bool
    due: str
    open: bool


def row(callback: CallbackRequest, team_names: dict[str, str], tz: str) -> CallbackRow:
    """What a row shows, in the account's time zone."""
    end = i18n.format_moment(callback.window_until, zone(tz), time_only=True)
    due = callback.due_at
    return {
        "c": callback,
        "requested": _when(callback.requested_at, tz),
        "window": f"{_when(callback.window_from, tz)}–{end}",
        "team": team_names.get(callback.team_id or "", ""),
        "calling": callback.calling_since is not None,
        "due": _when(due, tz) if due and due > now() else "",
        "open": callback.status in callbacks.OPEN,
    }


async def _context(ctx: Ctx, f: Filters, message: str = "", error: str = "") -> dict[str, Any]:
    names = await callbacks.names_of_teams(ctx.account_id)
    team = f.team if f.team in names else None
    found = await callbacks.list_callbacks(
        ctx.account_id, status=f.status, team_id=team, sort=f.sort, order=f.order, team_names=names
    )
    tz = callbacks.account_tz(ctx.account)
    return {
        **await layout_context(ctx),
        "f": f,
        "columns": [(key, _(text)) for key, text in COLUMNS],
        "statuses": [(value, _(text)) for value, text in STATUS_CHOICES],
        "teams": names,
        "rows": [row(c, names, tz) for c in found],
        "message": message,
        "error": error,
        "me": str(ctx.user.id),
        "supervising": has_role(ctx.user, "supervisor"),
    }


async def _render(
    request: Request, ctx: Ctx, f: Filters, message: str = "", error: str = "", status: int = 200
) -> Response:
    context = await _context(ctx, f, message, error)
    block = "rows" if pages.is_htmx(request) else None
    #: An action's answer carries its feedback out of band (see the template).
    context["oob"] = block is not None and request.method == "POST"
    return pages.render(request, "inbox/callbacks.html", context, status, block=block)


@inbox_view()
async def index(request: Request, ctx: Ctx) -> Response:
    return await _render(request, ctx, Filters.of(request.query_params))


def _me(ctx: Ctx) -> tuple[str, str]:
    return str(ctx.user.id), ctx.user.name or ctx.user.email


async def _act(request: Request, ctx: Ctx, action: str) -> Response:
    form = await request.form()
    f = Filters.of(form)
    callback_id = request.path_params["id"]
    by_id, by_name = _me(ctx)
    try:
        if action == "call":
            done = await callbacks.start_call(ctx.account_id, callback_id, by_id, by_name)
            message = _("You are calling %(phone)s. Log the outcome when you hang up.") % {
                "phone": done.phone
            }
        elif action == "release":
            anyone = has_role(ctx.user, "supervisor")  # supervisors free what others left
            done = await callbacks.release(ctx.account_id, callback_id, None if anyone else by_id)
            message = _("Nobody is calling %(phone)s now.") % {"phone": done.phone}
        else:
            outcome, note = str(form.get("outcome", "")), str(form.get("note", ""))
            done = await callbacks.log_attempt(
                ctx.account, callback_id, by_id, by_name, outcome, note
            )
            message = {
                "done": _("Reached %(phone)s: the callback is done."),
                "requeued": _("No answer at %(phone)s: re-queued for another try."),
            }.get(done.status, _("Saved.")) % {"phone": done.phone}
    except callbacks.AlreadyCalling as exc:
        return await _render(
            request,
            ctx,
            f,
            error=_("%(name)s is calling this customer now.") % {"name": exc.handler_name},
            status=409,
        )
    except callbacks.CallbackClosed as exc:
        return await _render(request, ctx, f, error=exc.message.capitalize() + ".", status=409)
    except callbacks.InvalidCallback as exc:
        text = (
            _("Write a note about the call first.") if exc.code == "note_required" else exc.message
        )
        return await _render(request, ctx, f, error=text, status=400)
    if not pages.is_htmx(request):
        return pages.redirect(request, f.url())
    return await _render(request, ctx, f, message=message)


@inbox_view()
async def call(request: Request, ctx: Ctx) -> Response:
    return await _act(request, ctx, "call")


@inbox_view()
async def release(request: Request, ctx: Ctx) -> Response:
    return await _act(request, ctx, "release")


@inbox_view()
async def attempt(request: Request, ctx: Ctx) -> Response:
    return await _act(request, ctx, "attempt")


routes = [
    Route("/inbox/callbacks", index, methods=["GET"]),
    Route("/inbox/callbacks/{id}/call", call, methods=["POST"]),
    Route("/inbox/callbacks/{id}/release", release, methods=["POST"]),
    Route("/inbox/callbacks/{id}/attempts", attempt, methods=["POST"]),
]
