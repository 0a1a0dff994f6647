"""The twilio library's HTTP transport on the hub's shared ``httpx.AsyncClient``.

twilio's stock async client runs on aiohttp: a second HTTP stack that tests
cannot intercept. This adapter implements ``twilio.http.AsyncHttpClient`` over
``hub.http`` and, when a channel sets ``api_base_url``, sends every
``https://*.twilio.com`` request there instead (a regional edge, a proxy, or a
local stand-in).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from twilio.http import AsyncHttpClient
from twilio.http.response import Response

log = logging.getLogger(__name__)


def _without_none(value: Any) -> Any:
    """The Content API's request objects serialize every unset field as null; drop them."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def rebase(url: str, base_url: str | None) -> str:
    """``url`` with its Twilio origin replaced by ``base_url`` (path and query kept)."""
    if not base_url:
        return url
    parts = urlsplit(url)
    if not parts.netloc.endswith("twilio.com"):
        return url
    base = urlsplit(base_url.rstrip("/"))
    return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))


class HttpxTwilioClient(AsyncHttpClient):  # type: ignore[misc]  # twilio ships no type hints
    """twilio's async HTTP client interface, served by an ``httpx.AsyncClient`` we do not own."""

    def __init__(
        self, http: httpx.AsyncClient, base_url: str | None = None, timeout: float = 20.0
    ) -> None:
        super().__init__(log, is_async=True, timeout=timeout)
        self.http = http
        self.base_url = base_url

    async def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (twilio's interface)
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        body: dict[str, Any] = {}
        if data is not None and headers.get("Content-Type") == "application/json":
            body["json"] = _without_none(data)
        elif data is not None:
            # Lists (MediaUrl) become repeated keys, as Twilio expects.
            body["data"] = {k: v for k, v in data.items() if v is not None}
        response = await self.http.request(
            method.upper(),
            rebase(uri, self.base_url),
            params={k: v for k, v in (params or {}).items() if v is not None},  # type: ignore[misc]
            headers=headers,
            auth=httpx.BasicAuth(*auth) if auth else None,
            timeout=timeout or self.timeout,
            follow_redirects=allow_redirects,
            **body,
        )
        return Response(response.status_code, response.text, response.headers)
