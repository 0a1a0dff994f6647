"""Rendering inbox pages: one template per page, the layout or a single block chosen per request.

A full page load renders the template inside ``base.html``. An htmx request
(``HX-Request``) gets the bare ``fragment.html`` layout, or — when it targets
one of the page's named blocks (``HX-Target`` is the block's element id) —
just that block, so a fragment never has a second copy of its markup.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hub.web import display, i18n, js_words, sla_display
from hub.web.static import static_url

env = jinja2.Environment(
    loader=jinja2.PackageLoader("templates", ""),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
display.install(env)
env.globals["static"] = static_url
sla_display.install(env)
js_words.install(env)


def speech_of(request: Request, context: Mapping[str, Any]) -> i18n.Speech:
    """The language and time zone to render in: the context's ``speech`` if given (an error
    page of a signed-in user), else the user's, else the account's, else the browser's."""
    given = context.get("speech")
    if isinstance(given, i18n.Speech):
        return given
    user, account = context.get("user"), context.get("account")
    language = i18n.negotiate(
        getattr(user, "language", None),
        getattr(account, "language", None),
        request.headers.get("accept-language"),
    )
    zone = getattr(user, "timezone", None) or getattr(account, "timezone", None) or "UTC"
    return i18n.Speech(language, zone)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render_block(template_name: str, block: str, context: Mapping[str, Any]) -> str:
    """One named block of a template, rendered with the page's context."""
    template = env.get_template(template_name)
    ctx = template.new_context(dict(context))
    return "".join(template.blocks[block](ctx))


def render(
    request: Request,
    template_name: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    block: str | None = None,
) -> HTMLResponse:
    """The page, its htmx layout, or one block: ``block``, or the one the htmx request targets."""
    template = env.get_template(template_name)
    target = block or request.headers.get("hx-target", "")
    speech = speech_of(request, context)
    full = {
        "flash": take_flash(request),
        **context,
        "request": request,
        "layout": "base.html",
        "lang": speech.language,
    }
    with i18n.speaking(speech):
        if is_htmx(request) or block:
            full["layout"] = "fragment.html"
            if target in template.blocks:
                html = render_block(template_name, target, full)
                return HTMLResponse(html, status_code, headers=dict(headers or {}))
        html = template.render(full)
    # The service worker fetches its offline page again when this changes (hub/inbox/app_shell).
    spoken = {"Content-Language": speech.language, **(headers or {})}
    return HTMLResponse(html, status_code, headers=spoken)


TOAST_EVENT = "parley:toast"


def flash(request: Request, message: str) -> None:
    """A confirmation the next full page shows (after a redirect without htmx)."""
    if "session" in request.scope:
        request.session["flash"] = message


def take_flash(request: Request) -> str:
    if "session" not in request.scope:
        return ""
    return str(request.session.pop("flash", "") or "")


def toast(response: Response, message: str, kind: str = "ok") -> Response:
    """Confirm an htmx action with a short toast (``kind``: ok or error), beside its other events."""
    events: dict[str, Any] = {}
    current = response.headers.get("HX-Trigger")
    if current:
        try:
            loaded = json.loads(current)
            events = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            events = {name.strip(): None for name in current.split(",") if name.strip()}
    events[TOAST_EVENT] = {"message": message, "kind": kind}
    response.headers["HX-Trigger"] = json.dumps(events)
    return response


def done(request: Request, url: str, message: str, *events: str) -> Response:
    """The answer to a successful action: the refresh ``events`` and a toast under htmx; a
    redirect to ``url`` with the message shown there without it."""
    if is_htmx(request):
        response = Response(
            status_code=204, headers={"HX-Trigger": ", ".join(events)} if events else {}
        )
        return toast(response, message)
    flash(request, message)
    return RedirectResponse(url, status_code=303)


def redirect(request: Request, url: str) -> Response:
    """A redirect that htmx follows as a page load (``HX-Redirect``) and a browser as a 303."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def changed(request: Request, fallback_url: str, *events: str) -> Response:
    """The answer to an htmx action: nothing to swap, the named refresh events to fire
    (the live fragments refetch themselves). Without htmx: back to ``fallback_url``."""
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Trigger": ", ".join(events)})
    return RedirectResponse(fallback_url, status_code=303)


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urllib.parse.urlencode({"next": here})


def safe_next(value: str | None) -> str:
    """A local path to go to after sign-in; anything else (another host) becomes /inbox."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/inbox"
    return value
