"""The public page behind a one-time set-password link (``/set-password/{token}``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.admin import common
from hub.admin.common import status_of
from hub.errors import Gone, NotFound
from hub.tenants import auth, users
from hub.tenants.accounts import AdminError
from hub.web import i18n, pages
from hub.web.guard import SECURITY_HEADERS
from hub.web.i18n import gettext as _


def _page(request: Request, error: str = "", status: int = 200, valid: bool = True) -> Response:
    context = {"user": None, "csrf": auth.csrf_token(request), "error": error, "valid": valid,
               "token": request.path_params["token"]}  # fmt: skip
    response = pages.render(request, "admin/set_password.html", context, status)
    response.headers.update(SECURITY_HEADERS)
    return response


async def _form(request: Request) -> Response:
    user = await users.user_of_link(request.path_params["token"])
    if user is None:
        return _page(
            request,
            _("This link was used already or has expired. Ask your admin for a new one."),
            410,
            False,
        )
    return _page(request)


async def _submit(request: Request) -> Response:
    data = await request.form()
    if not auth.csrf_ok(request, str(data.get("csrf", ""))):
        return _page(request, _("This form has expired. Please try again."), 403)
    password = common.form_str(data, "password", 1024)
    if password != common.form_str(data, "again", 1024):
        return _page(request, _("The two passwords differ."), 400)
    try:
        await users.set_password_by_link(request.path_params["token"], password, common.ip(request))
    except AdminError as exc:
        return _page(
            request,
            exc.message,
            410 if isinstance(exc, (NotFound, Gone)) else status_of(exc),
            exc.code != "link_expired",
        )
    pages.flash(request, _("Your password is set. Sign in with it."))
    return pages.redirect(request, "/login")


async def form(request: Request) -> Response:
    with i18n.speaking(pages.speech_of(request, {})):  # the browser's language: no one signed in
        return await _form(request)


async def submit(request: Request) -> Response:
    with i18n.speaking(pages.speech_of(request, {})):
        return await _submit(request)


routes = [
    Route("/set-password/{token}", form, methods=["GET"]),
    Route("/set-password/{token}", submit, methods=["POST"]),
]
