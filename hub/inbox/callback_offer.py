"""A team's callback offer, set by an admin (``/inbox/teams/{id}/callback``).

The form maps to the team's ``callback`` settings and is checked by
``hub.centre.callbacks.settings.validate_callback_settings``; a refusal names the field.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.callbacks.settings import (
    CallbackSettingsError,
    settings_of,
    validate_callback_settings,
)
from hub.models import Team
from hub.store import teams as team_store
from hub.store.ids import parse_id
from hub.tenants import audit
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context


async def _team(ctx: Ctx, team_id: str) -> Team:
    return await team_store.get_team(ctx.account_id, parse_id(team_id))


def _windows_text(settings: dict[str, Any]) -> str:
    return "\n".join(f"{a}-{b}" for a, b in settings["windows"])


def _number(form: FormData, name: str) -> Any:
    raw = str(form.get(name, "")).strip()
    return int(raw) if raw.isdigit() else raw


def _parse(form: FormData) -> dict[str, Any]:
    """The form as settings; the validator judges them (so its messages name the field)."""
    windows = []
    for line in str(form.get("windows", "")).replace(",", "\n").splitlines():
        if line.strip():
            start, _dash, end = line.strip().partition("-")
            windows.append([start.strip(), end.strip()])
    return {
        "enabled": form.get("enabled") == "on",
        "always_in_widget": form.get("always_in_widget") == "on",
        "offer_when_wait_minutes": _number(form, "offer_when_wait_minutes"),
        "requeue_after_minutes": _number(form, "requeue_after_minutes"),
        "offer_from": str(form.get("offer_from", "")).strip(),
        "offer_until": str(form.get("offer_until", "")).strip(),
        "windows": windows,
    }


async def _page(
    request: Request, ctx: Ctx, team: Team, values: dict[str, Any], message: str = "",
    error: str = "", status: int = 200,
) -> Response:  # fmt: skip
    context = {
        **await layout_context(ctx),
        "team": team,
        "s": values,
        "windows_text": _windows_text(values),
        "message": message,
        "error": error,
        "timezone": callbacks.account_tz(ctx.account),
    }
    return pages.render(request, "inbox/callback_offer.html", context, status)


@inbox_view(role="admin")
async def show(request: Request, ctx: Ctx) -> Response:
    team = await _team(ctx, request.path_params["id"])
    return await _page(request, ctx, team, dict(settings_of(team.callback)))


@inbox_view(role="admin")
async def save(request: Request, ctx: Ctx) -> Response:
    team = await _team(ctx, request.path_params["id"])
    values = _parse(await request.form())
    try:
        settings = validate_callback_settings(values)
    except CallbackSettingsError as exc:
        shown: dict[str, Any] = {**settings_of(None), **values}
        if not all(isinstance(w, list) and len(w) == 2 for w in shown["windows"]):
            shown["windows"] = []
        return await _page(request, ctx, team, shown, error=exc.message, status=400)
    await team_store.set_team_callback(ctx.account_id, team, settings)
    await audit.record(
        ctx.account_id, audit.of_user(ctx.user), "team.callback_updated", f"team:{team.id}",
        request.client.host if request.client else None, dict(settings or {}),
    )  # fmt: skip
    return await _page(request, ctx, team, dict(settings or {}), message=_("Callback offer saved."))


routes = [
    Route("/inbox/teams/{id}/callback", show, methods=["GET"]),
    Route("/inbox/teams/{id}/callback", save, methods=["POST"]),
]
