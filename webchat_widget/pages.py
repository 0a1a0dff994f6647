"""The widget's pages and files: the loader, the chat frame, its script and style, the demo page.

The frame page carries a ``frame-ancestors`` policy listing the channel's
allowed origins, so a browser shows it only inside those sites; the loader
and chat files are static and cacheable.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

import templates
from hub import widget_services
from hub.widget_services import WidgetError
from webchat_widget.config import LANGUAGES, origin_of
from webchat_widget.context import hub_of, webchat_channel

STATIC = Path(__file__).parent / "static"
FILES = {
    "loader.js": "text/javascript; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "callback.js": "text/javascript; charset=utf-8",
    "callback.css": "text/css; charset=utf-8",
}
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(templates.__file__).parent / "widget"),
    autoescape=True,
)


def _csp(ancestors: str) -> str:
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        f"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}"
    )


async def static_file(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        return Response("not found", status_code=404)
    return FileResponse(
        STATIC / name,
        media_type=FILES[name],
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


async def frame(request: Request) -> Response:
    """``GET /widget/v1/frame?channel=…&origin=…&lang=…``: the chat UI, for allowed sites only."""
    hub = hub_of(request)
    try:
        channel, config = await webchat_channel(hub, request.query_params.get("channel"))
    except WidgetError:
        return _refusal("This chat does not exist.", 404)
    origin = origin_of(request.query_params.get("origin", ""))
    if not config.allows(origin):
        return _refusal("This chat is not available on this site.", 403)
    lang = request.query_params.get("lang", "")
    page = _env.get_template("frame.html").render(
        channel_id=str(channel.id),
        origin=origin,
        lang=lang if lang in LANGUAGES else "",
        default_lang=config.language,
    )
    return HTMLResponse(
        page,
        headers={
            "Content-Security-Policy": _csp(" ".join(config.allowed_origins)),
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def _refusal(text: str, status: int) -> Response:
    return HTMLResponse(
        f"<!doctype html><title>Chat unavailable</title><p>{text}</p>",
        status_code=status,
        headers={"Content-Security-Policy": _csp("'none'")},
    )


async def demo(request: Request) -> Response:
    """``GET /widget/demo``: a page that embeds the demo account's web chat."""
    hub = hub_of(request)
    account = await widget_services.demo_account()
    channel = None
    if account is not None and account.id is not None:
        channel = await widget_services.active_channel_of_type(account.id, "webchat")
    if channel is None:
        return HTMLResponse(
            "<!doctype html><p>No demo chat here: start the hub with "
            "<code>parley serve --demo</code>.</p>",
            status_code=404,
        )
    page = _env.get_template("demo.html").render(
        public_url=hub.public_url, channel_id=str(channel.id)
    )
    return HTMLResponse(page)
