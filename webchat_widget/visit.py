"""Opening a visit: the session route (token, identity check, resume) and contact details.

A visitor's session is the signed token of ``webchat_widget.session``; opening
one checks the page origin against the channel, verifies a claimed identity's
HMAC, and resumes the token the browser kept when it is still valid.
"""

from __future__ import annotations

import datetime as dt
import re

from beanie import PydanticObjectId
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import widget_services
from hub.contract import VISITOR, Address, now
from hub.widget_services import AttributeValue, Contact, WidgetError, find_or_create_contact
from webchat_widget import session, transcript
from webchat_widget.api import MEDIA_TYPES
from webchat_widget.config import LANGUAGES, MAX_MEDIA_BYTES, MAX_TEXT, WebchatConfig
from webchat_widget.context import (
    check_request_origin,
    client_ip,
    ensure_indexes,
    hub_of,
    rate_limit,
    read_json,
    visitor_context,
    webchat_channel,
)
from webchat_widget.limits import Limit
from webchat_widget.session import InvalidSession, Visitor
from webchat_widget.welcome import welcome

SESSION_LIMIT = Limit(30, dt.timedelta(minutes=1))
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{5,30}$")


class SessionIn(BaseModel):
    channel: str
    #: The page the widget is embedded in, as the loader saw it (``location.origin``).
    origin: str
    token: str | None = None
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    user_hash: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=40)
    #: The language the chat shows (for the greeting and team line).
    lang: str | None = Field(default=None, max_length=10)


class ContactIn(BaseModel):
    name: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=200)


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
    body = await read_json(request, SessionIn)
    channel, config = await webchat_channel(hub, body.channel)
    check_request_origin(request, hub, config)
    if not config.allows(body.origin):
        raise WidgetError(403, "origin_not_allowed", f"{body.origin} may not use this chat")
    visitor = _visitor_for(hub.secret_key, body, str(channel.id), str(channel.account_id), config)
    if visitor.verified:
        await _save_contact(
            channel.account_id, visitor, body.name, body.email, offline=False, phone=body.phone
        )
    contact = await _contact(channel.account_id, visitor)
    token = session.issue(hub.secret_key, visitor)
    # Identified visitors skip the pre-chat step: the site told us who they are.
    needed = [] if visitor.verified else _needed(config, contact, visitor, body)
    lang = body.lang if body.lang in LANGUAGES else config.language
    return JSONResponse(
        {
            "token": token,
            "verified": visitor.verified,
            "open": config.is_open(now()),
            "prechat_fields": needed,
            "language": config.language,
            "agent_name": config.agent_name,
            "max_media_bytes": MAX_MEDIA_BYTES,
            "max_text": MAX_TEXT,
            "media_types": sorted(MEDIA_TYPES),
            "transcript": await transcript.available(channel.account_id),
            **await welcome(channel, config, lang),
        }
    )


def _needed(
    config: WebchatConfig, contact: Contact | None, visitor: Visitor, body: SessionIn
) -> list[str]:
    return [f for f in config.prechat_fields if not _known(contact, visitor, body, f)]


def _visitor_for(
    secret: str, body: SessionIn, channel_id: str, account_id: str, config: WebchatConfig
) -> Visitor:
    """Resume the token's visitor, or start one; a claimed identity must carry its HMAC."""
    old = _resumed(secret, body.token, channel_id)
    if body.user_id is not None:
        if not session.identity_ok(config.identity_secret, body.user_id, body.user_hash):
            raise WidgetError(
                403, "identity_invalid", "the identity hash does not match the user id"
            )
        visitor_id, verified = f"user:{body.user_id}", True
    elif config.require_identity:
        raise WidgetError(403, "identity_required", "this chat needs a verified identity")
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
    return await widget_services.contact_by_address(account_id, visitor.address_key)


def _known(contact: Contact | None, visitor: Visitor, body: SessionIn, field: str) -> bool:
    if field == "name":
        return bool(visitor.name or (contact and contact.name))
    return bool(body.email or (contact and contact.email))


async def update_contact(request: Request) -> Response:
    """``POST /widget/v1/contact``: the pre-chat form or the offline email address."""
    ctx = await visitor_context(request)
    body = await read_json(request, ContactIn)
    if body.email is not None and not _EMAIL.match(body.email):
        raise WidgetError(400, "invalid_email", "that does not look like an email address")
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
    phone: str | None = None,
) -> None:
    """Keep the visitor's name and email on their contact (created now if need be).

    A verified visitor's contact also records the site's user id (``verified_user_id``,
    shown with the contact's attributes in the inbox) and the phone the site gave.
    """
    address = Address(kind=VISITOR.name, value=visitor.visitor_id, name=name)
    contact = await find_or_create_contact(account_id, address)
    attributes: dict[str, AttributeValue] = {}
    if visitor.verified:
        attributes["verified_user_id"] = visitor.visitor_id.removeprefix("user:")
    if not (email and _EMAIL.match(email)):
        email = None
    elif offline:  # asked outside business hours: the answer goes by mail
        attributes["reply_by_email"] = True
    assert contact.id is not None
    await widget_services.set_contact_fields(
        account_id,
        contact.id,
        name=name or None,
        email=email,
        phone=phone if visitor.verified and phone and _PHONE.match(phone) else None,
        attributes=attributes,
    )


async def ticket(request: Request) -> Response:
    """``POST /widget/v1/ticket``: a short-lived read-only ticket for the stream and media URLs."""
    ctx = await visitor_context(request)
    return JSONResponse({"ticket": session.issue_ticket(ctx.hub.secret_key, ctx.visitor)})
