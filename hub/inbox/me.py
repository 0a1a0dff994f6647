"""The signed-in user's own page: their password, "sign out other sessions", and their devices
(Web Push: ``hub.inbox.push``)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.inbox import push
from hub.models.push import PUSH_KINDS
from hub.store import push as push_store
from hub.tenants import audit, auth, users
from hub.tenants.accounts import AdminError
from hub.web import pages
from hub.web.answers import status_of
from hub.web.guard import Ctx, page_view
from hub.web.i18n import gettext as _
from hub.web.layout import layout_context


def _ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def kind_names() -> dict[str, str]:
    """What each kind of push is called on the page (in the current language)."""
    return {
        "assigned": _("A conversation is assigned to me"),
        "reply": _("A customer replies in one of mine"),
        "mention": _("Someone @mentions me"),
        "whisper": _("A supervisor whispers to me"),
        "sla": _("One of mine breaches its SLA"),
    }


async def _page(request: Request, ctx: Ctx, status: int = 200, **extra: Any) -> Response:
    assert ctx.user.id is not None
    names = kind_names()
    context = {
        **await layout_context(ctx),
        "devices": [
            (device, push.device_label(device))
            for device in await push_store.devices(ctx.account_id, ctx.user.id)
        ],
        "push_kinds": [(kind, names[kind]) for kind in PUSH_KINDS],
        "devices_notice": str(request.session.pop("flash_devices", "") or ""),
        "error": "",
        "notice": pages.take_flash(request),
        **extra,
    }
    return pages.render(request, "inbox/me.html", context, status)


@page_view("any")
async def index(request: Request, ctx: Ctx) -> Response:
    return await _page(request, ctx)


@page_view("any")
async def change_password(request: Request, ctx: Ctx) -> Response:
    form = await request.form()
    current, new = str(form.get("current", ""))[:1024], str(form.get("password", ""))[:1024]
    if not auth.verify_password(ctx.user.password_hash, current):
        return await _page(request, ctx, 400, error=_("Your current password is not right."))
    try:
        await users.update_user(
            ctx.account, ctx.user, {"password": new}, audit.of_user(ctx.user), _ip(request)
        )
    except AdminError as exc:
        return await _page(request, ctx, status_of(exc), error=exc.message)
    # Every session ended with the new password; this one goes on under the new version.
    fresh = await users.get_user(ctx.account_id, str(ctx.user.id))
    auth.keep_session(request, fresh.session_version)
    pages.flash(request, _("Your password was changed; your other sessions ended."))
    return pages.redirect(request, "/inbox/me")


@page_view("any")
async def sign_out_others(request: Request, ctx: Ctx) -> Response:
    version = await users.end_sessions(ctx.user, audit.of_user(ctx.user), _ip(request))
    auth.keep_session(request, version)
    pages.flash(request, _("Your other sessions were signed out."))
    return pages.redirect(request, "/inbox/me")


routes = [
    Route("/inbox/me", index, methods=["GET"]),
    Route("/inbox/me/password", change_password, methods=["POST"]),
    Route("/inbox/me/sessions", sign_out_others, methods=["POST"]),
]
