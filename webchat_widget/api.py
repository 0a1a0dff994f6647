"""The visitor API the widget's iframe calls: session, messages, contact details, typing, media.

Messages go through the hub's ingest pipeline (``HubServices.deliver``); the
client's idempotency key becomes the provider message id, so a retried POST is
stored once. Rate limits count per visitor and per IP in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.errors import ApiError
from hub.auth import csrf_ok, session_user
from hub.contract import Address, InboundAttachment, InboundMessage, WebhookResult, now
from hub.ingest import find_or_create_contact
from hub.media import MediaNotFound
from hub.models import Contact, Conversation, Message
from hub.webhooks import BodyTooLarge, read_body_limited
from webchat_widget import indicators, session
from webchat_widget.config import WebchatConfig
from webchat_widget.connector import MAX_MEDIA_BYTES, MAX_TEXT
from webchat_widget.context import (
    check_request_origin,
    client_ip,
    ensure_indexes,
    hub_of,
    rate_limit,
    visitor_context,
    webchat_channel,
)
from webchat_widget.limits import Limit
from webchat_widget.session import InvalidSession, Visitor

MINUTE = dt.timedelta(minutes=1)
#: Messages a visitor may send a minute, and all visitors of one IP together.
VISITOR_LIMIT = Limit(20, MINUTE)
IP_LIMIT = Limit(60, MINUTE)
SESSION_LIMIT = Limit(30, MINUTE)
TYPING_LIMIT = Limit(60, MINUTE)
MEDIA_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
}
MAX_JSON_BYTES = 64 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class SessionIn(BaseModel):
    channel: str
    #: The page the widget is embedded in, as the loader saw it (``location.origin``).
    origin: str
    token: str | None = None
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    user_hash: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)


class ContactIn(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)


class MessageIn(BaseModel):
    key: str
    text: str = Field(default="", max_length=MAX_TEXT)
    payload: str | None = Field(default=None, max_length=1000)


class TypingIn(BaseModel):
    typing: bool


class AgentTypingIn(BaseModel):
    conversation_id: str
    typing: bool


async def _json(request: Request, model: type[BaseModel]) -> Any:
    try:
        raw = await read_body_limited(request, MAX_JSON_BYTES)
    except BodyTooLarge:
        raise ApiError(
            413, "too_large", f"the body may be at most {MAX_JSON_BYTES} bytes"
        ) from None
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_json", "the body is not JSON") from None
    return model.model_validate(body)


def _resumed(hub_secret: str, token: str | None, channel_id: str) -> Visitor | None:
    try:
        old = session.read(hub_secret, token)
    except InvalidSession:
        return None
    return old if old.channel_id == channel_id else None


async def open_session(request: Request) -> Response:
    """``POST /widget/v1/session``: issue (or renew) a visitor token for a page origin."""
    hub = hub_of(request)
    await ensure_indexes(hub)
    await rate_limit(request, hub, "session-ip", client_ip(request), SESSION_LIMIT)
    body: SessionIn = await _json(request, SessionIn)
    channel, config = await webchat_channel(hub, body.channel)
    check_request_origin(request, hub, config)
    if not config.allows(body.origin):
        raise ApiError(403, "origin_not_allowed", f"{body.origin} may not use this chat")
    visitor = _visitor_for(hub.secret_key, body, str(channel.id), str(channel.account_id), config)
    if visitor.verified and (body.name or body.email):
        await _save_contact(channel.account_id, visitor, body.name, body.email, offline=False)
    contact = await _contact(channel.account_id, visitor)
    token = session.issue(hub.secret_key, visitor)
    needed = [f for f in config.prechat_fields if not _known(contact, visitor, body, f)]
    return JSONResponse(
        {
            "token": token,
            "verified": visitor.verified,
            "open": config.is_open(now()),
            "prechat_fields": needed,
            "language": config.language,
            "agent_name": config.agent_name,
            "max_media_bytes": MAX_MEDIA_BYTES,
            "media_types": sorted(MEDIA_TYPES),
        }
    )


def _visitor_for(
    secret: str, body: SessionIn, channel_id: str, account_id: str, config: WebchatConfig
) -> Visitor:
    """Resume the token's visitor, or start one; a claimed identity must carry its HMAC."""
    old = _resumed(secret, body.token, channel_id)
    if body.user_id is not None:
        if not session.identity_ok(config.identity_secret, body.user_id, body.user_hash):
            raise ApiError(403, "identity_invalid", "the identity hash does not match the user id")
        visitor_id, verified = f"user:{body.user_id}", True
    elif config.require_identity:
        raise ApiError(403, "identity_required", "this chat needs a verified identity")
    elif old is not None and not old.verified:
        visitor_id, verified = old.visitor_id, False
    else:
        visitor_id, verified = session.new_visitor_id(), False
    name = body.name or (old.name if old and old.visitor_id == visitor_id else None)
    return Visitor(
        channel_id=channel_id,
        account_id=account_id,
        visitor_id=visitor_id,
        origin=body.origin,
        name=name,
        verified=verified,
    )


async def _contact(account_id: PydanticObjectId, visitor: Visitor) -> Contact | None:
    return await Contact.find_one(
        Contact.account_id == account_id, Contact.addresses == visitor.address_key
    )


def _known(contact: Contact | None, visitor: Visitor, body: SessionIn, field: str) -> bool:
    if field == "name":
        return bool(visitor.name or (contact and contact.name))
    return bool(body.email or (contact and contact.email))


async def update_contact(request: Request) -> Response:
    """``POST /widget/v1/contact``: the pre-chat form or the offline email address."""
    ctx = await visitor_context(request)
    body: ContactIn = await _json(request, ContactIn)
    if body.email is not None and not _EMAIL.match(body.email):
        raise ApiError(400, "invalid_email", "that does not look like an email address")
    offline = not ctx.config.is_open(now())
    await _save_contact(ctx.account_id, ctx.visitor, body.name, body.email, offline=offline)
    visitor = ctx.visitor.model_copy(update={"name": body.name or ctx.visitor.name})
    return JSONResponse({"token": session.issue(ctx.hub.secret_key, visitor)})


async def _save_contact(
    account_id: PydanticObjectId,
    visitor: Visitor,
    name: str | None,
    email: str | None,
    *,
    offline: bool,
) -> None:
    """Keep the visitor's name and email on their contact (created now if need be)."""
    inbound = InboundMessage(
        provider_message_id="contact",
        sender=Address(kind="visitor", value=visitor.visitor_id, name=name),
    )
    contact = await find_or_create_contact(account_id, inbound)
    changes: dict[str, Any] = {}
    if name:
        changes["name"] = name
    if email and _EMAIL.match(email):
        changes["email"] = email
        if offline:  # asked outside business hours: the answer goes by mail
            changes["attributes.reply_by_email"] = True
    if changes:
        await Contact.get_pymongo_collection().update_one(
            {"_id": contact.id, "account_id": account_id}, {"$set": changes}
        )


def public_message(doc: dict[str, Any], config: WebchatConfig) -> dict[str, Any]:
    """A stored message as the visitor sees it (no internal fields)."""
    sender = doc.get("sender") or {}
    outbound = doc.get("direction") == "out"
    return {
        "id": str(doc["_id"]),
        "direction": doc.get("direction"),
        "text": doc.get("text") or "",
        "sender_type": sender.get("type"),
        "sender_name": (sender.get("name") or config.agent_name) if outbound else None,
        "attachments": [
            {k: a.get(k) for k in ("id", "filename", "content_type", "size")}
            for a in doc.get("attachments") or []
        ],
        "quick_replies": [
            {"title": q["title"], "payload": q["payload"]} for q in doc.get("quick_replies") or []
        ],
        "payload": doc.get("payload"),
        #: The client's idempotency key of the visitor's own messages (to match its pending copy).
        "key": None if outbound else str(doc.get("provider_message_id") or "").rpartition(":")[2],
        "created_at": doc["created_at"].isoformat(),
        #: Milliseconds since the epoch: the widget orders messages by it.
        "ts": int(doc["created_at"].timestamp() * 1000),
    }


async def ticket(request: Request) -> Response:
    """``POST /widget/v1/ticket``: a short-lived read-only ticket for the stream and media URLs."""
    ctx = await visitor_context(request)
    return JSONResponse({"ticket": session.issue_ticket(ctx.hub.secret_key, ctx.visitor)})


async def list_messages(request: Request) -> Response:
    """``GET /widget/v1/messages``: the visitor's conversation history, oldest first."""
    ctx = await visitor_context(request)
    docs = await ctx.messages({})
    return JSONResponse({"data": [public_message(d, ctx.config) for d in docs]})


async def post_message(request: Request) -> Response:
    """``POST /widget/v1/messages`` (JSON, or multipart with one ``file``): store and return it."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "visitor", ctx.visitor.visitor_id, VISITOR_LIMIT)
    await rate_limit(request, ctx.hub, "ip", client_ip(request), IP_LIMIT)
    body, attachment = await _message_body(request)
    if not _KEY.match(body.key):
        raise ApiError(400, "invalid_key", "key must be 8-100 letters, digits, - or _")
    if not body.text.strip() and attachment is None:
        raise ApiError(400, "empty_message", "a message needs text or a file")
    provider_id = f"{ctx.visitor.visitor_id}:{body.key}"
    inbound = InboundMessage(
        provider_message_id=provider_id,
        sender=Address(kind="visitor", value=ctx.visitor.visitor_id, name=ctx.visitor.name),
        text=body.text,
        payload=body.payload,
        attachments=[attachment] if attachment else [],
        metadata={"page_origin": ctx.visitor.origin, "verified": ctx.visitor.verified},
    )
    await ctx.hub.deliver(ctx.info, WebhookResult(messages=[inbound]))
    doc = await Message.get_pymongo_collection().find_one(
        {
            "account_id": ctx.account_id,
            "channel_id": ctx.channel.id,
            "provider_message_id": provider_id,
        }
    )
    if doc is None:  # deliver returned, so it is stored; absent means a concurrent erase
        raise ApiError(409, "conflict", "the message could not be stored; try again")
    return JSONResponse(public_message(doc, ctx.config), status_code=201)


async def _message_body(request: Request) -> tuple[MessageIn, InboundAttachment | None]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return await _json(request, MessageIn), None
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():  # browsers always send it; refuse unbounded uploads
        raise ApiError(411, "length_required", "uploads need a Content-Length")
    if int(length) > MAX_MEDIA_BYTES + 64 * 1024:
        raise ApiError(413, "too_large", f"files may be at most {MAX_MEDIA_BYTES} bytes")
    async with request.form(max_files=1, max_fields=5) as form:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        body = MessageIn.model_validate(fields)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return body, None
        data = await upload.read(MAX_MEDIA_BYTES + 1)
        kind = (upload.content_type or "").split(";")[0].strip().lower()
    if len(data) > MAX_MEDIA_BYTES:
        raise ApiError(413, "too_large", f"files may be at most {MAX_MEDIA_BYTES} bytes")
    if kind not in MEDIA_TYPES:
        raise ApiError(415, "unsupported_media_type", f"{kind or 'this file type'} is not accepted")
    name = (upload.filename or "file")[-120:]
    return body, InboundAttachment(filename=name, content_type=kind, data=data)


async def visitor_typing(request: Request) -> Response:
    """``POST /widget/v1/typing``: the visitor started or stopped typing."""
    ctx = await visitor_context(request)
    await rate_limit(request, ctx.hub, "typing", ctx.visitor.visitor_id, TYPING_LIMIT)
    body: TypingIn = await _json(request, TypingIn)
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
    if not await ctx.messages({"attachments.id": attachment_id}, limit=1):
        raise ApiError(404, "not_found", "no such file in this conversation")
    try:
        data, content_type = await ctx.hub.media.get(ctx.account_id, attachment_id)
    except MediaNotFound:
        raise ApiError(404, "not_found", "no such file in this conversation") from None
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
    try:
        oid = PydanticObjectId(conversation_id)
    except (InvalidId, TypeError, ValueError):
        raise ApiError(404, "not_found", "no such conversation") from None
    found = await Conversation.find_one(
        Conversation.id == oid,
        Conversation.account_id == account_id,
        Conversation.channel_type == "webchat",
    )
    if found is None:
        raise ApiError(404, "not_found", "no such conversation")
    return oid


async def agent_typing(request: Request) -> Response:
    """``POST /widget/v1/agent/typing``: an inbox user types in a web chat conversation.

    Cookie-authenticated, so it needs the session's CSRF token (``X-CSRF-Token``).
    """
    user = await session_user(request)
    if user is None:
        raise ApiError(401, "unauthorized", "sign in")
    if not csrf_ok(request, request.headers.get("x-csrf-token")):
        raise ApiError(403, "csrf", "missing or wrong CSRF token")
    body: AgentTypingIn = await _json(request, AgentTypingIn)
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
