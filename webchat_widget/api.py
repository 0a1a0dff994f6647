"""The visitor API the widget's iframe calls: messages, typing and media (and agent typing).

Messages go through the hub's ingest pipeline (``HubServices.deliver``); the
client's idempotency key becomes the provider message id, so a retried POST is
stored once. Rate limits count per visitor and per IP in the database.
"""

from __future__ import annotations

import datetime as dt
import re

from beanie import PydanticObjectId
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import widget_services
from hub.contract import Address, InboundAttachment, InboundMessage, JsonObject, WebhookResult
from hub.widget_services import (
    MediaNotFound,
    VisitorMessage,
    WidgetError,
    csrf_ok,
    session_user,
    try_id,
)
from webchat_widget import indicators
from webchat_widget.config import MAX_MEDIA_BYTES, MAX_TEXT, WebchatConfig
from webchat_widget.context import (
    client_ip,
    ensure_indexes,
    hub_of,
    rate_limit,
    read_json,
    visitor_context,
)
from webchat_widget.limits import Limit
from webchat_widget.welcome import initials

MINUTE = dt.timedelta(minutes=1)
#: Messages a visitor may send a minute, and all visitors of one IP together.
VISITOR_LIMIT = Limit(20, MINUTE)
IP_LIMIT = Limit(60, MINUTE)
TYPING_LIMIT = Limit(60, MINUTE)
MEDIA_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
}
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")


class MessageIn(BaseModel):
    key: str
    text: str = Field(default="", max_length=MAX_TEXT)
    payload: str | None = Field(default=None, max_length=1000)


class TypingIn(BaseModel):
    typing: bool


class AgentTypingIn(BaseModel):
    conversation_id: str
    typing: bool


def public_message(message: VisitorMessage, config: WebchatConfig) -> JsonObject:
    """A stored message as the visitor sees it (no internal fields)."""
    sender = message.sender
    outbound = message.direction == "out"
    name = ((sender.name if sender else None) or config.agent_name) if outbound else None
    return {
        "id": str(message.id),
        "direction": message.direction,
        "text": message.text or "",
        "sender_type": sender.type if sender else None,
        "sender_name": name,
        #: Shown in the reply's avatar (``show_agent_avatars``); a bot is labelled as one.
        "sender_initials": initials(name) if outbound else None,
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments or []
        ],
        "quick_replies": [
            {"title": q.title, "payload": q.payload} for q in message.quick_replies or []
        ],
        "payload": message.payload,
        #: The client's idempotency key of the visitor's own messages (to match its pending copy).
        "key": None if outbound else str(message.provider_message_id or "").rpartition(":")[2],
        "created_at": message.created_at.isoformat(),
        #: Milliseconds since the epoch: the widget orders messages by it.
        "ts": int(message.created_at.timestamp() * 1000),
    }


async def list_messages(request: Request) -> Response:
    """``GET /widget/v1/messages``: the visitor's conversation history, oldest first."""
    ctx = await visitor_context(request)
    docs = await ctx.messages()
    return JSONResponse({"data": [public_message(d, ctx.config) for d in docs]})


async def post_message(request: Request) -> Response:
    """``POST /widget/v1/messages`` (JSON, or multipart with one ``file``): store and return it."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "visitor", ctx.visitor.visitor_id, VISITOR_LIMIT)
    await rate_limit(request, ctx.hub, "ip", client_ip(request), IP_LIMIT)
    body, attachment = await _message_body(request)
    if not _KEY.match(body.key):
        raise WidgetError(400, "invalid_key", "key must be 8-100 letters, digits, - or _")
    if not body.text.strip() and attachment is None:
        raise WidgetError(400, "empty_message", "a message needs text or a file")
    provider_id = f"{ctx.visitor.visitor_id}:{body.key}"
    inbound = InboundMessage(
        provider_message_id=provider_id,
        sender=Address(kind="visitor", value=ctx.visitor.visitor_id, name=ctx.visitor.name),
        text=body.text,
        payload=body.payload,
        attachments=[attachment] if attachment else [],
        metadata={"page_origin": ctx.visitor.origin, "verified": ctx.visitor.verified},
    )
    await ctx.hub.connector_services.deliver(ctx.info, WebhookResult(messages=[inbound]))
    doc = await widget_services.visitor_message_by_provider_id(
        ctx.account_id, ctx.channel_id, provider_id
    )
    if doc is None:  # deliver returned, so it is stored; absent means a concurrent erase
        raise WidgetError(409, "conflict", "the message could not be stored; try again")
    return JSONResponse(public_message(doc, ctx.config), status_code=201)


async def _message_body(request: Request) -> tuple[MessageIn, InboundAttachment | None]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await read_json(request, MessageIn), None
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():  # browsers always send it; refuse unbounded uploads
        raise WidgetError(411, "length_required", "uploads need a Content-Length")
    if int(length) > MAX_MEDIA_BYTES + 64 * 1024:
        raise WidgetError(413, "too_large", f"files may be at most {MAX_MEDIA_BYTES} bytes")
    async with request.form(max_files=1, max_fields=5) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        body = MessageIn.model_validate(fields)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return body, None
        data = await upload.read(MAX_MEDIA_BYTES + 1)
        kind = (upload.content_type or "").split(";")[0].strip().lower()
    if len(data) > MAX_MEDIA_BYTES:
        raise WidgetError(413, "too_large", f"files may be at most {MAX_MEDIA_BYTES} bytes")
    if kind not in MEDIA_TYPES:
        raise WidgetError(
            415, "unsupported_media_type", f"{kind or 'this file type'} is not accepted"
        )
    name = (upload.filename or "file")[-120:]
    return body, InboundAttachment(filename=name, content_type=kind, data=data)


async def visitor_typing(request: Request) -> Response:
    """``POST /widget/v1/typing``: the visitor started or stopped typing."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "typing", ctx.visitor.visitor_id, TYPING_LIMIT)
    body = await read_json(request, TypingIn)
    conversations = await ctx.conversation_ids()
    if conversations:
        await indicators.set_typing(
            ctx.hub.database,
            account_id=ctx.account_id,
            conversation_id=conversations[-1],
            side="visitor",
            typing=body.typing,
            name=ctx.visitor.name,
        )
    return Response(status_code=204)


async def media(request: Request) -> Response:
    """``GET /widget/v1/media/{id}?ticket=…``: a file of one of the visitor's visible messages."""
    ctx = await visitor_context(request, read_only=True)
    attachment_id = request.path_params["id"]

    def has_it(message: VisitorMessage) -> bool:
        return any(a.id == attachment_id for a in message.attachments or [])

    if not await ctx.messages(has_it, limit=1):
        raise WidgetError(404, "not_found", "no such file in this conversation")
    try:
        data, content_type = await ctx.hub.media.get(ctx.account_id, attachment_id)
    except MediaNotFound:
        raise WidgetError(404, "not_found", "no such file in this conversation") from None
    inline = content_type.startswith("image/") and content_type != "image/svg+xml"
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": "inline" if inline else "attachment",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, max-age=3600",
        },
    )


async def _webchat_conversation(
    account_id: PydanticObjectId, conversation_id: str
) -> PydanticObjectId:
    """The id of one of the account's web chat conversations; 404 for any other."""
    oid = try_id(conversation_id)
    if oid is None or not await widget_services.is_webchat_conversation(account_id, oid):
        raise WidgetError(404, "not_found", "no such conversation")
    return oid


async def agent_typing(request: Request) -> Response:
    """``POST /widget/v1/agent/typing``: an inbox user types in a web chat conversation.

    Cookie-authenticated, so it needs the session's CSRF token (``X-CSRF-Token``).
    """
    user = await session_user(request)
    if user is None:
        raise WidgetError(401, "unauthorized", "sign in")
    if not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise WidgetError(403, "csrf", "missing or wrong CSRF token")
    body = await read_json(request, AgentTypingIn)
    oid = await _webchat_conversation(user.account_id, body.conversation_id)
    await ensure_indexes(hub_of(request))
    await indicators.set_typing(
        hub_of(request).database,
        account_id=user.account_id,
        conversation_id=oid,
        side="agent",
        typing=body.typing,
        name=user.name or None,
    )
    return Response(status_code=204)
