"""Rendering inbox pages: one template per page, the layout or a single block chosen per request.

A full page load renders the template inside ``base.html``. An htmx request
(``HX-Request``) gets the bare ``fragment.html`` layout, or — when it targets
one of the page's named blocks (``HX-Target`` is the block's element id) —
just that block, so a fragment never has a second copy of its markup.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from hub.web import display, sla_display

env = jinja2.Environment(
    loader=jinja2.PackageLoader("templates", ""),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
display.install(env)
sla_display.install(env)


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
    full = {**context, "request": request, "layout": "base.html"}
    if is_htmx(request) or block:
        full["layout"] = "fragment.html"
        if target in template.blocks:
            html = render_block(template_name, target, full)
            return HTMLResponse(html, status_code, headers=dict(headers or {}))
    return HTMLResponse(template.render(full), status_code, headers=dict(headers or {}))


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
