"""The visitor's conversation by email: a transcript sent through the account's email channel.

``POST /widget/v1/transcript`` writes the visitor's visible messages as plain text
and enqueues it as an outbound email on the account's active email channel, to
the address the visitor gave (now, or before on their contact). The outbox sends
it like any reply, with its retries and delivery states; it is stored as its own
email conversation with the visitor's address, so agents see what was sent.
"""

from __future__ import annotations

import datetime as dt
import re

from beanie import PydanticObjectId
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub import widget_services
from hub.contract import Address
from hub.widget_services import Channel, HubError, Sender, VisitorMessage, WidgetError
from webchat_widget.context import VisitorContext, rate_limit, read_json, visitor_context
from webchat_widget.limits import Limit

LIMIT = Limit(3, dt.timedelta(hours=1))
SUBJECT = "Your chat transcript"
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class TranscriptIn(BaseModel):
    email: str | None = Field(default=None, max_length=200)


async def _email_channel(account_id: PydanticObjectId) -> Channel | None:
    return await widget_services.active_channel_of_type(account_id, "email")


async def available(account_id: PydanticObjectId) -> bool:
    """Whether the account can send transcripts (it has an active email channel)."""
    return await _email_channel(account_id) is not None


def render(messages: list[VisitorMessage], agent_name: str, visitor: str) -> str:
    """The conversation as plain text, one message a paragraph, times in UTC."""
    lines = []
    for message in messages:
        name = message.sender.name if message.sender else None
        who = (name or agent_name) if message.direction == "out" else visitor
        at = message.created_at.strftime("%Y-%m-%d %H:%M UTC")
        body = message.text or ""
        files = ", ".join(a.filename or "file" for a in message.attachments or [])
        if files:
            body = f"{body}\n[{files}]".strip()
        lines.append(f"{who}, {at}:\n{body}")
    return "\n\n".join(lines)


async def _address(ctx: VisitorContext, given: str | None) -> str:
    if given is not None:
        if not _EMAIL.match(given):
            raise WidgetError(
                400, "invalid_email", "email: that does not look like an email address"
            )
        return given
    contact = await widget_services.contact_by_address(ctx.account_id, ctx.visitor.address_key)
    if contact is None or not contact.email:
        raise WidgetError(
            400, "email_required", "email: give the address to send the transcript to"
        )
    return contact.email


async def send_transcript(request: Request) -> Response:
    """``POST /widget/v1/transcript``: email the conversation to the visitor."""
    ctx = await visitor_context(request)
    body = await read_json(request, TranscriptIn)
    email = await _address(ctx, body.email)
    found = await _email_channel(ctx.account_id)
    channel = await ctx.hub.channels.resolve(found.id) if found else None
    if channel is None:
        raise WidgetError(409, "transcript_unavailable", "this chat cannot send transcripts")
    messages = await ctx.messages(limit=500)
    if not messages:
        raise WidgetError(400, "empty_conversation", "there is nothing to send yet")
    await rate_limit(request, ctx.hub, "transcript", ctx.visitor.visitor_id, LIMIT)
    text = render(messages, ctx.config.agent_name, ctx.visitor.name or "You")
    address = Address(kind=channel.capabilities.address_kind.name, value=email)
    try:
        await widget_services.send_from_channel(
            ctx.hub,
            channel,
            address,
            text=text,
            subject=SUBJECT,
            sender=Sender(type="system", name="Web chat transcript"),
        )
    except HubError as exc:
        raise WidgetError(409, "transcript_unavailable", str(exc)) from None
    return JSONResponse({"sent_to": email}, status_code=202)
