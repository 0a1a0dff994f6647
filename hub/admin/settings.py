"""Account settings: time zone, business hours with holidays, and the CRM link."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.tenants import accounts
from hub.tenants.account_settings import DAYS, AccountPatch
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_
from hub.web.i18n import gettext as _

DAY_NAMES = dict(
    zip(
        DAYS,
        (
            N_("Monday"),
            N_("Tuesday"),
            N_("Wednesday"),
            N_("Thursday"),
            N_("Friday"),
            N_("Saturday"),
            N_("Sunday"),
        ),
        strict=True,
    )
)


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    hours = ctx.account.business_hours or {}
    context = await common.context(
        ctx, request, days={k: _(v) for k, v in DAY_NAMES.items()}, hours=hours, always_open=ctx.account.business_hours is None,
        holidays="\n".join(ctx.account.holidays), **extra,
    )  # fmt: skip
    return common.render(request, "settings.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


def _hours(form: Any) -> dict[str, list[list[str]]] | None:
    if form.get("always_open") == "on":
        return None
    hours: dict[str, list[list[str]]] = {}
    for day in DAYS:
        start, end = (
            common.form_str(form, f"{day}.from", 5),
            common.form_str(form, f"{day}.until", 5),
        )
        hours[day] = [[start, end]] if start or end else []
    return hours


@page_view("admin")
async def save(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    raw = {
        "timezone": common.form_str(form, "timezone", 64) or "UTC",
        "crm_url_template": common.form_str(form, "crm_url_template", 500) or None,
        "business_hours": _hours(form),
        "holidays": [
            d.strip() for d in common.form_str(form, "holidays", 5000).splitlines() if d.strip()
        ],
    }
    try:
        patch = AccountPatch.model_validate(raw)
    except ValidationError as exc:
        fields = {str(e["loc"][0]): e["msg"] for e in exc.errors() if e["loc"]}
        message = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in fields.items())
        return await _page(request, ctx, 400, error=message, fields=fields)
    await accounts.update_settings(
        ctx.account, patch.changes(), common.actor(ctx), common.ip(request)
    )
    return common.done(request, "/admin/settings", _("The settings were saved."))


routes = [
    Route("/admin/settings", index, methods=["GET"]),
    Route("/admin/settings", save, methods=["POST"]),
]
