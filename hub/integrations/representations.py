"""The public JSON shapes of stored documents (``Representation``): messages, conversations….

One definition serves the generic API's answers and the outbound event
webhooks' ``data``, so both always describe a message the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Self

from bson import ObjectId
from pydantic import BaseModel

from hub.centre import sla
from hub.contract import Attachment, QuickReply


def _plain(value: Any) -> Any:
    """A stored value as a JSON shape holds it: ids as strings, models as dicts."""
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class Representation(BaseModel):
    """A public JSON shape of a stored document, written once for every shape.

    ``of`` copies the fields the shape and the document share by name (ids become
    strings, nested models dicts); ``overrides`` give the ones that differ.
    """

    @classmethod
    def of(cls, doc: Any, **overrides: Any) -> Self:
        fields = {
            name: _plain(getattr(doc, name))
            for name in cls.model_fields
            if name not in overrides and hasattr(doc, name)
        }
        return cls.model_validate({**fields, **overrides})


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class SenderOut(BaseModel):
    type: str
    id: str | None = None
    name: str | None = None


class MessageOut(Representation):
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


class SlaBreachOut(BaseModel):
    kind: Literal["first_response", "next_response", "resolution"]
    at: dt.datetime


class SlaOut(BaseModel):
    """A conversation's SLA clocks: due times of the running ones, and breaches so far."""

    policy_id: str | None
    first_response_due_at: dt.datetime | None
    next_response_due_at: dt.datetime | None
    resolution_due_at: dt.datetime | None
    breaches: list[SlaBreachOut]


class CsatOut(BaseModel):
    rating: int
    comment: str | None
    at: dt.datetime


class ConversationOut(Representation):
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
    sla: SlaOut | None = None
    csat: CsatOut | None = None

    @classmethod
    def of(cls, doc: Any, **overrides: Any) -> Self:
        """The conversation's shape; ``sla`` and ``csat`` show only their public parts."""
        state, answer = getattr(doc, "sla", None), getattr(doc, "csat", None)
        overrides.setdefault("sla", sla.public(state) if state else None)
        overrides.setdefault("csat", answer if answer and answer.get("rating") else None)
        return super().of(doc, **overrides)
