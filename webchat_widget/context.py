"""The visitor behind a request: token, channel, origin checks, and their conversations.

Every visitor route starts here. The token names the channel and account, and
every query below filters on both plus the visitor's own address, so a token
can only ever reach its own conversations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from beanie import PydanticObjectId
from pydantic import BaseModel
from starlette.requests import Request

from hub import contract, widget_services
from hub.contract import ChannelInfo, JSONRefused
from hub.widget_services import (
    BodyTooLarge,
    Channel,
    Hub,
    VisitorMessage,
    WidgetError,
    read_body_limited,
)
from webchat_widget import limits, session
from webchat_widget.config import WebchatConfig, origin_of
from webchat_widget.session import InvalidSession, Visitor

#: Largest JSON body a visitor route reads.
MAX_JSON_BYTES = 64 * 1024


@dataclass
class VisitorContext:
    hub: Hub
    channel: Channel
    config: WebchatConfig
    visitor: Visitor

    @property
    def info(self) -> ChannelInfo:
        return self.hub.channel_info(self.channel)

    @property
    def account_id(self) -> PydanticObjectId:
        return self.channel.account_id

    @property
    def channel_id(self) -> PydanticObjectId:
        assert self.channel.id is not None
        return self.channel.id

    async def conversation_ids(self) -> list[PydanticObjectId]:
        """The visitor's conversations on this channel, oldest first."""
        return await widget_services.visitor_conversation_ids(
            self.account_id, self.channel_id, self.visitor.address_key
        )

    async def seen_at(self) -> dt.datetime | None:
        """When an agent last opened one of the visitor's conversations, if ever."""
        return await widget_services.visitor_seen_at(
            self.account_id, self.channel_id, self.visitor.address_key
        )

    async def messages(
        self,
        keep: Callable[[VisitorMessage], bool] | None = None,
        after: tuple[dt.datetime, PydanticObjectId] | None = None,
        limit: int = 200,
    ) -> list[VisitorMessage]:
        """The visitor-visible messages (``keep`` filters more), oldest first: the last
        ``limit``, or those after ``after`` (a message's created_at and id)."""
        conversations = await self.conversation_ids()
        return await widget_services.visitor_messages(
            self.account_id, conversations, keep=keep, after=after, limit=limit
        )


_indexes_ready: set[int] = set()


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def ensure_indexes(hub: Hub) -> None:
    """Create the widget's TTL indexes once per database and process."""
    if id(hub.database) in _indexes_ready:
        return
    await widget_services.ensure_indexes(hub.database)
    _indexes_ready.add(id(hub.database))


async def webchat_channel(hub: Hub, channel_id: str | None) -> tuple[Channel, WebchatConfig]:
    channel = await hub.channel(channel_id or "")
    if channel is None or channel.type != "webchat":
        raise WidgetError(404, "not_found", "no such web chat channel")
    channel = hub.opened(channel)  # its identity secret is sealed at rest
    return channel, WebchatConfig.model_validate(channel.config)


def check_request_origin(request: Request, hub: Hub, config: WebchatConfig) -> None:
    """Refuse a browser request from a page that is neither the hub's frame nor an allowed site.

    The widget's iframe is served by the hub, so its calls carry the hub's own
    origin; a same-origin GET (EventSource, media) carries none and relies on the
    token, which records the page origin checked when it was issued.
    """
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = {origin_of(hub.public_url), origin_of(str(request.base_url))}
    if origin_of(origin) in own or config.allows(origin):
        return
    raise WidgetError(403, "origin_not_allowed", f"{origin} may not use this chat")


def _credentials(request: Request, read_only: bool) -> tuple[str | None, bool]:
    """The bearer token; or, for read-only routes reached by URL, the ``?ticket=``."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip(), False
    if read_only:
        return request.query_params.get("ticket"), True
    return None, False


async def visitor_context(request: Request, *, read_only: bool = False) -> VisitorContext:
    """The visitor of a request, or a ``WidgetError`` (401 bad token, 403 origin/identity)."""
    hub = hub_of(request)
    await ensure_indexes(hub)
    token, is_ticket = _credentials(request, read_only)
    try:
        visitor = session.read(hub.secret_key, token, ticket=is_ticket)
    except InvalidSession as exc:
        raise WidgetError(401, "invalid_session", str(exc)) from None
    channel, config = await webchat_channel(hub, visitor.channel_id)
    if str(channel.account_id) != visitor.account_id:
        raise WidgetError(401, "invalid_session", "the visitor token is not valid")
    check_request_origin(request, hub, config)
    if not config.allows(visitor.origin):
        raise WidgetError(403, "origin_not_allowed", f"{visitor.origin} may not use this chat")
    if config.require_identity and not visitor.verified:
        raise WidgetError(403, "identity_required", "this chat needs a verified identity")
    return VisitorContext(hub, channel, config, visitor)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def rate_limit(request: Request, hub: Hub, scope: str, key: str, limit: limits.Limit) -> None:
    try:
        await limits.hit(hub.database, scope, key, limit)
    except limits.RateLimited as exc:
        raise WidgetError(
            429, "rate_limited", str(exc), headers={"Retry-After": str(exc.retry_after)}
        ) from None


M = TypeVar("M", bound=BaseModel)


async def read_json(request: Request, model: type[M]) -> M:
    """The body as ``model``: 413 over the limit, 400 when it is not JSON or not valid."""
    try:
        raw = await read_body_limited(request, MAX_JSON_BYTES)
    except BodyTooLarge:
        raise WidgetError(
            413, "too_large", f"the body may be at most {MAX_JSON_BYTES} bytes"
        ) from None
    try:
        body = contract.read_json(raw, max_bytes=MAX_JSON_BYTES)
    except JSONRefused as exc:  # the widget has always called unreadable JSON invalid_json
        code = "invalid_json" if exc.code == "malformed_json" else exc.code
        raise WidgetError(exc.status, code, exc.message) from None
    return model.model_validate(body)
