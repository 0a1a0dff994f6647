"""The public JSON shapes of messages and conversations.

One definition serves the generic API's answers and the outbound event
webhooks' ``data``, so both always describe a message the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel

from hub.contract import Attachment, QuickReply
from hub.models import Conversation, Message


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class SenderOut(BaseModel):
    type: str
    id: str | None = None
    name: str | None = None


class MessageOut(BaseModel):
    id: str
    conversation_id: str
    channel_id: str
    direction: Literal["in", "out"]
    text: str
    html: str | None = None
    subject: str | None = None
    attachments: list[Attachment]
    sender: SenderOut
    private: bool
    payload: str | None = None
    quick_replies: list[QuickReply] = []
    template: dict[str, Any] | None = None
    created_at: dt.datetime
    delivery: str
    error: ErrorBody | None = None
    provider_message_id: str | None = None

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        return cls(
            id=str(m.id),
            conversation_id=str(m.conversation_id),
            channel_id=str(m.channel_id),
            direction=m.direction,
            text=m.text,
            html=m.html,
            subject=m.subject,
            attachments=m.attachments,
            sender=SenderOut(**m.sender.model_dump()),
            private=m.private,
            payload=m.payload,
            quick_replies=m.quick_replies,
            template=m.template,
            created_at=m.created_at,
            delivery=m.delivery,
            error=ErrorBody(**m.error.model_dump()) if m.error else None,
            provider_message_id=m.provider_message_id,
        )


class ConversationOut(BaseModel):
    id: str
    channel_id: str
    channel_type: str
    contact_id: str | None
    contact_name: str | None
    status: str
    handler: str
    assignee_id: str | None
    team_id: str | None
    labels: list[str]
    priority: str
    subject: str | None
    unread: int
    last_message_at: dt.datetime
    last_message_preview: str
    waiting_since: dt.datetime | None
    snoozed_until: dt.datetime | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, c: Conversation) -> ConversationOut:
        return cls(
            id=str(c.id),
            channel_id=str(c.channel_id),
            channel_type=c.channel_type,
            contact_id=str(c.contact_id) if c.contact_id else None,
            contact_name=c.contact_name,
            status=c.status,
            handler=c.handler,
            assignee_id=c.assignee_id,
            team_id=c.team_id,
            labels=c.labels,
            priority=c.priority,
            subject=c.subject,
            unread=c.unread,
            last_message_at=c.last_message_at,
            last_message_preview=c.last_message_preview,
            waiting_since=c.waiting_since,
            snoozed_until=c.snoozed_until,
            resolved_at=c.resolved_at,
            created_at=c.created_at,
        )
