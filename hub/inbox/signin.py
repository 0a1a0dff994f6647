"""Sign-in and sign-out of the inbox (email + password), rate-limited and CSRF-protected."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import presence
from hub.inbox import throttle
from hub.models import User
from hub.tenants import auth
from hub.web import pages
from hub.web.guard import SECURITY_HEADERS, Ctx, inbox_view


def _page(request: Request, error: str = "", email: str = "", status: int = 200) -> Response:
    context = {
        "user": None,
        "csrf": auth.csrf_token(request),
        "error": error,
        "email": email,
        "next": pages.safe_next(request.query_params.get("next")),
    }
    response = pages.render(request, "inbox/login.html", context, status)
    response.headers.update(SECURITY_HEADERS)
    return response


async def login_form(request: Request) -> Response:
    if await auth.session_user(request) is not None:
        return pages.redirect(request, "/inbox")
    return _page(request)


async def login_submit(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", ""))[:320]
    password = str(form.get("password", ""))[:1024]
    if not auth.csrf_ok(request, str(form.get("csrf", ""))):
        return _page(request, "This form has expired. Please try again.", email, 403)
    client = request.client.host if request.client else "unknown"
    try:
        await throttle.check(email, client)
    except throttle.TooManyAttempts as exc:
        message = f"Too many failed attempts. Try again in {exc.minutes} minutes."
        return _page(request, message, email, 429)
    user = await auth.authenticate(email, password)
    if user is None:
        await throttle.failed(email, client)
        return _page(request, "Wrong email or password.", email, 400)
    await throttle.succeeded(email)
    auth.login(request, user)
    await _set_presence(user, "available")
    return pages.redirect(request, pages.safe_next(str(form.get("next", ""))))


@inbox_view()
async def logout(request: Request, ctx: Ctx) -> Response:
    await _set_presence(ctx.user, "offline")
    auth.logout(request)
    return pages.redirect(request, "/login")


async def _set_presence(user: User, value: str) -> None:
    await presence.set_presence(user, value)


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
