"""The wallboard page, its board fragment, and the admin's colour thresholds.

Supervisors, admins and ``dashboard`` users see it; agents get a 403 page. The
figures come from ``hub.centre.reports.board``; the page refetches its board block when
its stream (``hub.wallboard.events``) says something changed.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.reports import board
from hub.store import accounts
from hub.tenants.auth import has_role
from hub.web import pages
from hub.web.guard import Ctx, error_page, page_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _

#: Who may look at the board: wall screens, supervisors and admins (not agents).
BOARD_ROLES = ("dashboard", "supervisor", "admin")
THRESHOLD_FIELDS = {
    "wait_amber_minutes": N_("Longest wait amber from (minutes)"),
    "wait_red_minutes": N_("Longest wait red from (minutes)"),
    "waiting_amber": N_("Waiting amber from (conversations)"),
    "waiting_red": N_("Waiting red from (conversations)"),
}


def allowed(ctx: Ctx) -> bool:
    return ctx.user.role in BOARD_ROLES


async def _context(request: Request, ctx: Ctx, **extra: Any) -> dict[str, Any]:
    return {
        "user": ctx.user,
        "csrf": ctx.csrf,
        "account": ctx.account,
        "rows": await board.board(ctx.account, request.app.state.queue_orders),
        "limits": board.thresholds(ctx.account),
        "fields": {name: _(label) for name, label in THRESHOLD_FIELDS.items()},
        "is_admin": has_role(ctx.user, "admin"),
        "saved": "",
        "form_error": "",
        **extra,
    }


def _refuse(request: Request) -> Response:
    return error_page(request, 403, _("The wallboard is for supervisors, admins and wall screens."))


@page_view("dashboard")
async def show(request: Request, ctx: Ctx) -> Response:
    if not allowed(ctx):
        return _refuse(request)
    return pages.render(request, "wallboard/board.html", await _context(request, ctx))


@page_view("dashboard")
async def fragment(request: Request, ctx: Ctx) -> Response:
    if not allowed(ctx):
        return _refuse(request)
    return pages.render(
        request, "wallboard/board.html", await _context(request, ctx), block="board"
    )


def parse_thresholds(form: dict[str, str]) -> dict[str, int]:
    """The four thresholds as whole numbers from 0 to 1440; amber must not exceed red."""
    values: dict[str, int] = {}
    for name, label in THRESHOLD_FIELDS.items():
        raw = form.get(name, "").strip()
        if not raw.isdigit() or not 0 <= int(raw) <= 1440:
            raise ValueError(
                _("%(label)s: give a whole number from 0 to 1440.") % {"label": _(label)}
            )
        values[name] = int(raw)
    for kind in ("wait", "waiting"):
        suffix = "_minutes" if kind == "wait" else ""
        if values[f"{kind}_amber{suffix}"] > values[f"{kind}_red{suffix}"]:
            raise ValueError(_("Amber must not be above red."))
    return values


@page_view("admin")
async def save_thresholds(request: Request, ctx: Ctx) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        values = parse_thresholds(form)
    except ValueError as exc:
        context = await _context(request, ctx, form_error=str(exc))
        return pages.render(request, "wallboard/board.html", context, 400, block="thresholds")
    await accounts.set_wallboard_thresholds(ctx.account_id, values)
    ctx.account.wallboard_thresholds = values
    context = await _context(request, ctx, saved=_("Thresholds saved."))
    headers = {"HX-Trigger": "board-changed"}
    return pages.render(
        request, "wallboard/board.html", context, headers=headers, block="thresholds"
    )


routes = [
    Route("/wallboard", show, methods=["GET"]),
    Route("/wallboard/board", fragment, methods=["GET"]),
    Route("/wallboard/thresholds", save_thresholds, methods=["POST"]),
]
