"""Every write made with an API key is an audit event, even on routes that don't record one.

Routes that record a meaningful event themselves (``api_actor`` marks the request) are
skipped; for the others this records ``api.write`` with the method, path and status.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.tenants import audit

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class WriteAudit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            await self.app(scope, receive, send)
            return
        status: dict[str, int] = {}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        await self.app(scope, receive, sending)
        state: dict[str, Any] = scope.get("state") or {}
        key = state.get("api_key")
        if key is None or state.get("audited") or status.get("code", 500) >= 400:
            return
        client = scope.get("client")
        details = {"method": scope["method"], "path": scope["path"], "status": status["code"]}
        # The process's concurrent events are one insert (``Hub.audit_inserts``).
        hub = getattr(getattr(scope.get("app"), "state", None), "hub", None)
        await audit.record(key.account_id, audit.of_key(key), "api.write", None,
                           client[0] if client else None, details,
                           getattr(hub, "audit_inserts", None))  # fmt: skip
