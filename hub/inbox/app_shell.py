"""The installable inbox's shell: the web app manifest, the service worker, the offline page.

``/manifest.webmanifest`` names the app, its icons and colours with the inbox as start URL
and scope. ``/sw.js`` (from ``templates/sw.js``) is served at the root but registered with
the scope ``/inbox`` by ``shell.js``; it keeps the static files and the offline page in
caches named by one version, derived from the static files' own versions, so a deploy that
changes any of them installs a new worker and drops the old caches. ``/inbox/offline`` is
the page the worker shows when the network is gone: it names nobody and no conversation,
only the signed-in user's language (``Content-Language`` tells the worker when to fetch it
again). The push and notification-click handlers live in the same worker.
"""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.store import accounts
from hub.tenants import auth
from hub.web import i18n, pages
from hub.web.guard import SECURITY_HEADERS
from hub.web.static import shell_files, static_url

SCOPE = "/inbox"
OFFLINE_URL = "/inbox/offline"
#: The inbox CSS's colours: the top bar (--panel) and the page behind it (--bg).
THEME_COLOR = "#ffffff"
BACKGROUND_COLOR = "#f5f6f8"
#: (file under hub/static, sizes, type, purpose); drawn by tools/make_icons.py
ICONS = (
    ("app/icon.svg", "any", "image/svg+xml", "any"),
    ("app/icon-192.png", "192x192", "image/png", "any"),
    ("app/icon-512.png", "512x512", "image/png", "any"),
    ("app/icon-maskable-512.png", "512x512", "image/png", "maskable"),
)
#: Static files the worker's notifications show (icon and the monochrome status-bar badge).
NOTIFICATION_ICON = "app/icon-192.png"
NOTIFICATION_BADGE = "app/badge-96.png"
REVALIDATE = "no-cache"


def manifest(language: str) -> dict[str, Any]:
    """The web app manifest in ``language`` (only the description is translated)."""
    with i18n.speaking(i18n.Speech(language)):
        description = i18n.gettext("The Parley inbox: your customers' conversations, live.")
    return {
        "id": SCOPE,
        "name": "Parley",
        "short_name": "Parley",
        "description": description,
        "lang": language,
        "dir": "ltr",
        "start_url": SCOPE,
        "scope": SCOPE,
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static_url(name), "sizes": sizes, "type": kind, "purpose": purpose}
            for name, sizes, kind, purpose in ICONS
        ],
    }


def _revalidated(request: Request, body: str, media_type: str, **extra: str) -> Response:
    """``body`` with an ETag, kept by the browser but asked again each time (304 if the same):
    Chromium checks the worker and the manifest for updates on every visit."""
    tag = '"' + hashlib.sha256(body.encode()).hexdigest()[:20] + '"'
    headers = {**SECURITY_HEADERS, "Cache-Control": REVALIDATE, "ETag": tag, **extra}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


async def manifest_view(request: Request) -> Response:
    """``GET /manifest.webmanifest?lang=da``: the page links it in its own language."""
    asked = request.query_params.get("lang")
    language = i18n.negotiate(asked, None, request.headers.get("accept-language"))
    body = json.dumps(manifest(language), ensure_ascii=False, separators=(",", ":"))
    return _revalidated(request, body, "application/manifest+json", Vary="Accept-Language")


@functools.cache
def worker_script() -> str:
    """The service worker's source with its cache version and file list filled in."""
    files = shell_files()
    digest = hashlib.sha256("\n".join(files).encode())
    # What the kept offline page is made of: a change to any of them is a new version too.
    for name in ("sw.js", "base.html", "inbox/offline.html"):
        source, _, _ = pages.env.loader.get_source(pages.env, name)  # type: ignore[union-attr]
        digest.update(source.encode())
    for catalog in sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        digest.update(catalog.read_bytes())
    return pages.env.get_template("sw.js").render(
        version=digest.hexdigest()[:12],
        files=files,
        offline=OFFLINE_URL,
        scope=SCOPE,
        icon=static_url(NOTIFICATION_ICON),
        badge=static_url(NOTIFICATION_BADGE),
    )


async def worker_view(request: Request) -> Response:
    """``GET /sw.js``: revalidated on every update check, allowed the inbox as its scope."""
    return _revalidated(
        request, worker_script(), "text/javascript", **{"Service-Worker-Allowed": SCOPE}
    )


async def offline_view(request: Request) -> Response:
    """``GET /inbox/offline``: "no connection", in the signed-in user's language if any."""
    user = await auth.session_user(request)
    account = None
    if user is not None and not user.language:
        account = await accounts.get_account(user.account_id)
    speech = pages.speech_of(request, {"user": user, "account": account})
    context = {"user": None, "csrf": "", "speech": speech}
    response = pages.render(request, "inbox/offline.html", context)
    response.headers.update(SECURITY_HEADERS)
    return response


routes = [
    Route("/manifest.webmanifest", manifest_view, methods=["GET"]),
    Route("/sw.js", worker_view, methods=["GET"]),
    Route(OFFLINE_URL, offline_view, methods=["GET"]),
]
