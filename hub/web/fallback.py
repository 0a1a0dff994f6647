"""The answers nobody's route gave: an unknown address (404) and an unexpected failure (500).

A browser gets the hub's styled error page with a way back; machines (webhooks, the widget's
API, anything not asking for HTML) get the API's JSON error shape.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from hub.web.answers import error_response
from hub.web.guard import error_page
from hub.web.i18n import N_
from hub.web.static import static_url

log = logging.getLogger(__name__)

#: Paths whose callers are programs, never people.
MACHINE_PATHS = ("/api/", "/webhooks/", "/widget/v1/", "/static/")


def _for_people(request: Request) -> bool:
    accepts = request.headers.get("accept", "")
    return not request.url.path.startswith(MACHINE_PATHS) and "text/html" in accepts


async def not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    if not _for_people(request):
        return error_response(status, "not_found" if status == 404 else "http_error", "Not found")
    return error_page(request, status, N_("There is no page at this address."))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if not _for_people(request):
        return error_response(500, "internal_error", "Something went wrong on our side.")
    return error_page(
        request, 500, N_("Something went wrong on our side. Try again, or go back to the inbox.")
    )


async def favicon(request: Request) -> Response:
    """``/favicon.ico`` for browsers and pages without an icon link: the hub's SVG icon."""
    return RedirectResponse(static_url("favicon.svg"), status_code=301)
