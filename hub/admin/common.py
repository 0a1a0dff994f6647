"""What every admin page shares: the layout context with the side nav, the actor and IP of
a change, and one mapping of the core's refusals to a message shown on the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from hub.admin.nav import SECTIONS
from hub.errors import HubError, NotFound
from hub.models import Actor
from hub.tenants import audit
from hub.tenants.accounts import AdminError
from hub.tenants.plans import PlanError
from hub.web import answers, i18n, pages
from hub.web.guard import Ctx, error_page
from hub.web.i18n import N_
from hub.web.layout import layout_context

#: The refusals an admin action may meet; shown next to the form, never a 500.
REFUSALS = (AdminError, PlanError)


def actor(ctx: Ctx) -> Actor:
    return audit.of_user(ctx.user)


def ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def context(ctx: Ctx, request: Request, **extra: object) -> dict[str, object]:
    here = request.url.path
    current = max((p for p, _ in SECTIONS if here == p or here.startswith(p + "/")), key=len,
                  default="/admin")  # fmt: skip
    return {
        **await layout_context(ctx),
        "sections": [(path, i18n.gettext(label)) for path, label in SECTIONS],
        "current": current,
        # What the last change did, kept in the session by ``done`` (never read from the URL).
        "notice": pages.take_flash(request),
        "error": "",
        "fields": {},
        **extra,
    }


def render(
    request: Request, template: str, ctx_dict: Mapping[str, object], status: int = 200
) -> Response:
    return pages.render(request, f"admin/{template}", ctx_dict, status)


def done(request: Request, path: str, message: str) -> Response:
    """After a change: back to the page, whose feedback line says what happened (once: the
    message waits in the session, so a reload or a shared address does not show it again)."""
    pages.flash(request, message)
    return pages.redirect(request, path)


def status_of(exc: Exception) -> int:
    """The status of a refusal: a typed error's, or a plain error's own ``status``."""
    if isinstance(exc, HubError):
        return answers.status_of(exc)
    return int(getattr(exc, "status", 400))


async def refused(
    request: Request,
    exc: Exception,
    page: Callable[[str, dict[str, str], int], Awaitable[Response]],
) -> Response:
    """A refusal: 404 is the not-found page; anything else re-renders ``page`` with the reason."""
    if isinstance(exc, NotFound):
        return error_page(
            request, 404, N_("Not found in this account."), home=("/admin", N_("Back to admin"))
        )
    message = getattr(exc, "message", str(exc))
    fields = getattr(exc, "fields", {}) or {}
    return await page(message, fields, status_of(exc))


def form_str(form: Any, name: str, limit: int = 2000) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""
