"""Users: create (with a password or a one-time link), role, teams, capacity, deactivate and
reactivate (the seat is freed and their sessions end), reset password."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.errors import InvalidInput
from hub.models import Team, User
from hub.models.user import ROLES
from hub.store import teams as team_store
from hub.tenants import accounts, users
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _


def link_url(request: Request, token: str) -> str:
    return f"{request.app.state.hub.public_url}/set-password/{token}"


async def _teams(ctx: Ctx) -> list[Team]:
    return await team_store.teams_by_name(ctx.account_id)


async def _list(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.account.id is not None
    context = await common.context(
        ctx,
        request,
        users=await users.list_users(ctx.account.id),
        roles=ROLES,
        seats_used=await accounts.seats_used(ctx.account.id),
        teams={str(t.id): t.name for t in await _teams(ctx)},
        **{"link": "", "form": {}, **extra},
    )
    return common.render(request, "users.html", context, status)


@page_view("admin")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _list(request, ctx)


@page_view("admin")
async def create(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    values = {k: common.form_str(form, k, 320) for k in ("email", "name", "role", "password")}
    by_link = form.get("by_link") == "on"

    async def again(message: str, fields: dict[str, str], status: int) -> Response:
        return await _list(request, ctx, status, error=message, form={**values, "password": ""})

    try:
        if not by_link and not values["password"]:
            raise InvalidInput("weak_password", _("give a password, or choose a set-password link"))
        user = await accounts.create_user(
            ctx.account, values["email"], None if by_link else values["password"], values["role"],
            values["name"], common.actor(ctx), common.ip(request),
        )  # fmt: skip
        if by_link:
            token = await users.password_link(
                ctx.account, user, common.actor(ctx), common.ip(request)
            )
            message = _(
                "%(email)s was added. Send them this link to set a password (shown once)."
            ) % {"email": user.email}
            return await _list(request, ctx, notice=message, link=link_url(request, token))
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return common.done(request, "/admin/users", _("%(email)s was added.") % {"email": user.email})


async def _user_page(
    request: Request, ctx: Ctx, user: User, status: int = 200, **extra: Any
) -> Response:
    context = await common.context(
        ctx, request, person=user, roles=ROLES, teams=await _teams(ctx), **{"link": "", **extra}
    )
    return common.render(request, "user.html", context, status)


async def _user(ctx: Ctx, request: Request) -> User:
    assert ctx.account.id is not None
    return await users.get_user(ctx.account.id, request.path_params["id"])


@page_view("admin")
async def show(request: Request, ctx: Ctx) -> Response:
    try:
        user = await _user(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, _nothing)
    return await _user_page(request, ctx, user)


async def _nothing(message: str, fields: dict[str, str], status: int) -> Response:
    raise AssertionError("only a not-found refusal reaches here")


async def _change(request: Request, ctx: Ctx, changes: dict[str, Any], message: str) -> Response:
    try:
        user = await _user(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, _nothing)

    async def again(reason: str, fields: dict[str, str], status: int) -> Response:
        return await _user_page(request, ctx, user, status, error=reason)

    try:
        await users.update_user(ctx.account, user, changes, common.actor(ctx), common.ip(request))
    except common.REFUSALS as exc:
        return await common.refused(request, exc, again)
    return common.done(request, f"/admin/users/{user.id}", message)


@page_view("admin")
async def update(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    capacity = common.form_str(form, "capacity", 6)
    if capacity and not capacity.isdigit():
        user = await _user(ctx, request)
        return await _user_page(
            request,
            ctx,
            user,
            400,
            error=_("capacity must be a whole number (or empty: unlimited)"),
        )
    known = {str(t.id) for t in await _teams(ctx)}
    changes = {
        "name": common.form_str(form, "name", 200) or None,
        "role": common.form_str(form, "role", 20),
        "capacity": int(capacity) if capacity else None,
        "team_ids": [t for t in form.getlist("team_ids") if isinstance(t, str) and t in known],
    }
    changes = {k: v for k, v in changes.items() if v is not None or k == "capacity"}
    return await _change(request, ctx, changes, _("The user was saved."))


@page_view("admin")
async def set_active(request: Request, ctx: Ctx) -> Response:
    active = (await request.form()).get("active") == "true"
    message = (
        _("The user was reactivated.")
        if active
        else _("The user was deactivated and signed out everywhere.")
    )
    return await _change(request, ctx, {"active": active}, message)


@page_view("admin")
async def reset_password(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    if form.get("by_link") == "on":
        try:
            user = await _user(ctx, request)
            token = await users.password_link(
                ctx.account, user, common.actor(ctx), common.ip(request)
            )
        except common.REFUSALS as exc:
            return await common.refused(request, exc, _nothing)
        return await _user_page(request, ctx, user, notice=_("Send this link to set a new password (shown once)."),
                                link=link_url(request, token))  # fmt: skip
    password = common.form_str(form, "password", 1024)
    return await _change(
        request, ctx, {"password": password}, _("The password was changed; their sessions ended.")
    )


@page_view("admin")
async def end_sessions(request: Request, ctx: Ctx) -> Response:
    try:
        user = await _user(ctx, request)
    except common.REFUSALS as exc:
        return await common.refused(request, exc, _nothing)
    await users.end_sessions(user, common.actor(ctx), common.ip(request))
    if user.id == ctx.user.id:
        return common.done(request, "/login", _("You were signed out everywhere."))
    return common.done(
        request, f"/admin/users/{user.id}", _("Their sessions were ended everywhere.")
    )


routes = [
    Route("/admin/users", index, methods=["GET"]),
    Route("/admin/users", create, methods=["POST"]),
    Route("/admin/users/{id}", show, methods=["GET"]),
    Route("/admin/users/{id}", update, methods=["POST"]),
    Route("/admin/users/{id}/active", set_active, methods=["POST"]),
    Route("/admin/users/{id}/password", reset_password, methods=["POST"]),
    Route("/admin/users/{id}/sessions", end_sessions, methods=["POST"]),
]
