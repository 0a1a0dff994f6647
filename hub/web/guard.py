"""The gate in front of every page view (inbox, admin, wallboard): session, role, CSRF, error pages.

``page_view`` (alias ``inbox_view``) wraps a view ``(request, ctx) -> Response``. It signs the
visitor in from the session (or sends them to /login), refuses unsafe
requests without the session's CSRF token, checks the role the view needs,
and turns the typed errors of the services into readable pages with the
right status: another account's ids are simply not found (404).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import Response

from hub.errors import HubError, NotFound
from hub.models import Account, User
from hub.pipeline.services import Hub
from hub.store import accounts
from hub.tenants import auth
from hub.web import i18n, pages
from hub.web.answers import status_of

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf"
#: Scripts only from our own origin: an HTML email or chat text that slipped
#: through escaping still could not run.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Ctx:
    """Who is asking, for which account, through which hub."""

    hub: Hub
    user: User
    account: Account
    csrf: str

    @property
    def account_id(self) -> PydanticObjectId:
        """The signed-in user's account (every query of a page names it)."""
        assert self.account.id is not None
        return self.account.id


View = Callable[[Request, Ctx], Awaitable[Response]]


def page_view(role: str = "agent") -> Callable[[View], Callable[[Request], Awaitable[Response]]]:
    """Wrap ``view`` with sign-in, CSRF and role checks and the error pages."""

    def wrap(view: View) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(view)
        async def endpoint(request: Request) -> Response:
            response = await _guarded(request, view, role)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return endpoint

    return wrap


async def _guarded(request: Request, view: View, role: str) -> Response:
    user = await auth.session_user(request)
    if user is None:
        if request.method in SAFE_METHODS:
            return pages.redirect(request, pages.login_url(request))
        return error_page(
            request, 401, i18n.N_("Your session has ended. Sign in again."), login=True
        )
    # Refusals from here on are in the user's language (error_page reads it from the request).
    request.state.speech = pages.speech_of(request, {"user": user})
    if request.method not in SAFE_METHODS and not await _csrf_ok(request):
        message = i18n.N_("This form has expired. Reload the page and try again.")
        return error_page(request, 403, message)
    if not auth.has_role(user, role):
        if user.role == "dashboard":
            message = i18n.N_("A dashboard account opens only the wallboard.")
            return error_page(
                request, 403, message, home=("/wallboard", i18n.N_("Open the wallboard"))
            )
        if role == "dashboard":  # the wallboard: every role but the agent's
            return error_page(
                request, 403, i18n.N_("The wallboard is for supervisors, admins and wall screens.")
            )
        with i18n.speaking(request.state.speech):
            message = i18n.gettext("This needs the %(role)s role.") % {"role": role}
        return error_page(request, 403, message)
    account = await accounts.get_account(user.account_id)
    if account is None:
        return error_page(request, 401, i18n.N_("Your account no longer exists."), login=True)
    ctx = Ctx(request.app.state.hub, user, account, auth.csrf_token(request))
    request.state.speech = pages.speech_of(request, {"user": user, "account": account})
    try:
        # The whole view speaks the user's language, so its toasts and errors do too.
        with i18n.speaking(request.state.speech):
            return await view(request, ctx)
    except HubError as exc:
        return _error_page_for(request, exc)


def _error_page_for(request: Request, exc: HubError) -> Response:
    """The pages' one mapping of a typed error to a readable answer."""
    if isinstance(exc, NotFound):
        return error_page(request, 404, i18n.N_("Not found in this account."))
    return error_page(request, status_of(exc), exc.message)


async def _csrf_ok(request: Request) -> bool:
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    return auth.csrf_ok(request, submitted)


def error_page(
    request: Request,
    status: int,
    message: str,
    login: bool = False,
    home: tuple[str, str] = ("/inbox", i18n.N_("Back to the inbox")),
) -> Response:
    """A readable error; htmx shows it in the page's alert area (see inbox.js).

    It speaks the signed-in user's language once the gate knows them, else the browser's;
    ``message`` is translated when the catalogs know it (the gate's own messages are marked)."""
    headers = {"HX-Retarget": "#alert", "HX-Reswap": "innerHTML"} if pages.is_htmx(request) else {}
    if login and pages.is_htmx(request):
        headers["HX-Redirect"] = "/login"
    speech = getattr(request.state, "speech", None) or pages.speech_of(request, {})
    with i18n.speaking(speech):
        message = i18n.gettext(message)
    context = {"status": status, "message": message, "user": None, "csrf": "", "home": home,
               "speech": speech}  # fmt: skip
    response = pages.render(request, "inbox/error.html", context, status, headers)
    response.headers.update(SECURITY_HEADERS)
    return response


#: The inbox's views predate the other pages; the same gate.
inbox_view = page_view
