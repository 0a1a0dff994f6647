"""Admin: teams and routing (``/admin/teams``): members, assignment, hours, out of office, overflow.

Forms post to the same core functions as ``/api/v1/teams`` (``hub.centre.routing.teams``), so the
rules and the errors (an unknown member or overflow team, bad hours) are the same.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.centre import hours
from hub.centre.routing import teams
from hub.models import Team
from hub.store import users as user_store
from hub.store.conversations import InvalidChange
from hub.store.ids import parse_id
from hub.tenants import audit
from hub.web import i18n, pages
from hub.web.guard import Ctx, page_view
from hub.web.i18n import N_

DAY_LABELS = dict(
    zip(
        hours.DAYS,
        (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")),
        strict=True,
    )
)
_SPAN = re.compile(r"^\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$")


def hours_text(team: Team | None) -> dict[str, str]:
    """The team's hours as one ``09:00-17:00, 18:00-20:00`` text per day, for the form."""
    days = ((team.business_hours or {}).get("days") or {}) if team else {}
    return {d: ", ".join(f"{a}-{b}" for a, b in days.get(d, [])) for d in hours.DAYS}


def _hours_of(form: FormData) -> dict[str, Any] | None:
    if form.get("hours_mode") != "own":
        return None
    days: dict[str, list[list[str]]] = {}
    for day in hours.DAYS:
        raw = str(form.get(f"hours_{day}", "")).strip()
        spans = []
        for part in filter(None, (p.strip() for p in raw.split(","))):
            match = _SPAN.match(part)
            if not match:
                raise InvalidChange(
                    "invalid_business_hours",
                    i18n.gettext("%(day)s: write 09:00-17:00")
                    % {"day": i18n.gettext(DAY_LABELS[day])},
                )
            spans.append([match.group(1), match.group(2)])
        days[day] = spans
    return {"days": days}


def _body(form: FormData) -> dict[str, Any]:
    minutes = str(form.get("overflow_minutes", "")).strip()
    target = str(form.get("overflow_team", "")).strip()
    return {
        "name": str(form.get("name", "")).strip(),
        "member_ids": [str(v) for v in form.getlist("member_ids")],
        "assignment": str(form.get("assignment", "manual")),
        "business_hours": _hours_of(form),
        "out_of_office_text": str(form.get("out_of_office_text", "")).strip() or None,
        "overflow": {"after_minutes": minutes, "team_id": target} if minutes and target else None,
    }


def _error(exc: Exception) -> str:
    if isinstance(exc, InvalidChange):
        return exc.message
    assert isinstance(exc, ValidationError)
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"


async def _page(
    request: Request, ctx: Ctx, editing: Team | None = None, error: str = "", notice: str = "",
    status: int = 200,
) -> Response:  # fmt: skip
    assert ctx.account.id is not None
    users = await user_store.list_active_users(ctx.account.id)
    context = await common.context(
        ctx,
        request,
        teams=await teams.list_teams(ctx.account.id),
        users=sorted(users, key=lambda u: (u.name or u.email).lower()),
        editing=editing,
        hours_text=hours_text(editing),
        day_labels=DAY_LABELS,
        error=error,
        notice=notice,
    )
    return pages.render(request, "admin/teams.html", context, status)


async def _audit(ctx: Ctx, action: str, team: Team, details: dict[str, Any]) -> None:
    assert ctx.account.id is not None
    await audit.record(
        ctx.account_id, audit.of_user(ctx.user), action, f"team:{team.id}", None, details
    )


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("admin")
async def edit(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    return await _page(
        request, ctx, await teams.get_team(ctx.account.id, parse_id(request.path_params["id"]))
    )


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    try:
        body = teams.TeamIn.model_validate(_body(await request.form()))
        team = await teams.create_team(ctx.account.id, body)
    except (InvalidChange, ValidationError) as exc:
        return await _page(request, ctx, error=_error(exc), status=400)
    await _audit(ctx, "team.created", team, body.model_dump(mode="json"))
    return await _page(
        request, ctx, team, notice=i18n.gettext("Team %(name)s created.") % {"name": team.name}
    )


@page_view("admin")
async def save(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    team = await teams.get_team(ctx.account.id, parse_id(request.path_params["id"]))
    try:
        patch = teams.TeamPatch.model_validate(_body(await request.form()))
        assert team.id is not None
        team = await teams.update_team(ctx.account.id, team.id, patch)
    except (InvalidChange, ValidationError) as exc:
        return await _page(request, ctx, team, error=_error(exc), status=400)
    await _audit(ctx, "team.updated", team, patch.model_dump(mode="json", exclude_unset=True))
    return await _page(request, ctx, team, notice=i18n.gettext("Saved."))


@page_view("admin")
async def delete(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    team = await teams.delete_team(ctx.account.id, parse_id(request.path_params["id"]))
    await _audit(ctx, "team.deleted", team, {"name": team.name})
    return await _page(
        request,
        ctx,
        notice=i18n.gettext("Team %(name)s removed; its conversations have no team now.")
        % {"name": team.name},
    )


routes = [
    Route("/admin/teams", index, methods=["GET"]),
    Route("/admin/teams", create, methods=["POST"]),
    Route("/admin/teams/{id}", edit, methods=["GET"]),
    Route("/admin/teams/{id}", save, methods=["POST"]),
    Route("/admin/teams/{id}/delete", delete, methods=["POST"]),
]
