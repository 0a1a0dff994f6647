"""Sign-in and sign-out of the inbox (email + password), rate-limited and CSRF-protected."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.routing import presence
from hub.inbox import throttle
from hub.models import Actor, User
from hub.store import users
from hub.tenants import audit, auth
from hub.web import pages
from hub.web.guard import SECURITY_HEADERS, Ctx, inbox_view


def _page(request: Request, error: str = "", email: str = "", status: int = 200) -> Response:
    context = {
        "user": None,
        "csrf": auth.csrf_token(request),
        "error": error,
        "email": email,
        "next": pages.safe_next(request.query_params.get("next")),
        "ended": request.query_params.get("ended") == "1",
        # e.g. "Your password is set" after a set-password link (hub.admin.set_password)
        "notice": pages.take_flash(request),
    }
    response = pages.render(request, "inbox/login.html", context, status)
    response.headers.update(SECURITY_HEADERS)
    return response


#: Where a dashboard user lands (the wallboard); they open nothing else.
DASHBOARD_HOME = "/wallboard"


async def login_form(request: Request) -> Response:
    user = await auth.session_user(request)
    if user is not None:
        return pages.redirect(request, DASHBOARD_HOME if user.role == "dashboard" else "/inbox")
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
        await _audit_failure(email, client)
        return _page(request, "Wrong email or password.", email, 400)
    await throttle.succeeded(email, client)
    auth.login(request, user)
    await audit.record(user.account_id, audit.of_user(user), "session.signed_in",
                       f"user:{user.id}", client)  # fmt: skip
    if user.role == "dashboard":
        return pages.redirect(request, DASHBOARD_HOME)
    await _set_presence(user, "available")
    return pages.redirect(request, pages.safe_next(str(form.get("next", ""))))


async def _audit_failure(email: str, client: str) -> None:
    """A failed sign-in goes to the audit log of the account the email belongs to, if any."""
    known = await users.user_by_email_any_account(email.strip().lower())
    if known is not None:
        actor = Actor(type="user", id=None, name=email.strip().lower())
        await audit.record(known.account_id, actor, "session.sign_in_failed",
                           f"user:{known.id}", client)  # fmt: skip


@inbox_view(role="any")
async def logout(request: Request, ctx: Ctx) -> Response:
    """Sign out: this session and every other one of the user end."""
    await _set_presence(ctx.user, "offline")
    await auth.logout(request, ctx.user)
    client = request.client.host if request.client else None
    await audit.record(ctx.account_id, audit.of_user(ctx.user), "session.signed_out",
                       f"user:{ctx.user.id}", client)  # fmt: skip
    return pages.redirect(request, "/login")


async def _set_presence(user: User, value: str) -> None:
    await presence.set_presence(user, value)


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
]
