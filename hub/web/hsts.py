"""HSTS: with an https ``PARLEY_PUBLIC_URL`` every answer tells browsers to use https only."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: One year, subdomains included (what the HSTS preload list asks for; preload is left out).
HSTS = b"max-age=31536000; includeSubDomains"


class HstsMiddleware:
    """Adds ``Strict-Transport-Security`` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_hsts(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", [])
                    if k.lower() != b"strict-transport-security"
                ]  # fmt: skip
                message["headers"] = [*headers, (b"strict-transport-security", HSTS)]
            await send(message)

        await self.app(scope, receive, with_hsts)
