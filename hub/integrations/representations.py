"""The public JSON shapes of stored documents (``Representation``): messages, conversations….

One definition serves the generic API's answers and the outbound event
webhooks' ``data``, so both always describe a message the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from hub.contract import Attachment, JsonObject, QuickReply
from hub.models import CallbackRequest
from hub.models.conversation import SLA_KINDS
from hub.store.ids import is_id


def _plain(value: Any) -> Any:
    """A stored value as a JSON shape holds it: ids as strings, models as dicts."""
    if is_id(value):
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


class TranslationOut(BaseModel):
    language: str
    text: str


class MessageOut(Representation):
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

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
    visibility: Literal["public", "note", "whisper"] = "public"
    payload: str | None = None
    quick_replies: list[QuickReply] = []
    template: dict[str, Any] | None = None
    created_at: dt.datetime
    delivery: str
    error: ErrorBody | None = None
    provider_message_id: str | None = None
    #: The business's number or address it went out from (``from`` in JSON).
    from_: str | None = Field(default=None, alias="from")
    #: Inbound: the text in the agent's language (``language``: the original's, detected).
    translation: TranslationOut | None = None
    #: Outbound, sent translated: the agent's own words (``text`` is what went out).
    original_text: str | None = None

    @classmethod
    def of(cls, doc: Any, **overrides: Any) -> Self:
        return super().of(doc, **{"from_": getattr(doc, "from_address", None), **overrides})


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


def sla_public(state: Mapping[str, Any] | None) -> SlaOut | None:
    """The ``sla`` object of DESIGN.md for a conversation's stored clocks (``hub.centre.sla.clocks``)."""
    if not state:
        return None

    def due(kind: str) -> dt.datetime | None:
        value = state.get(f"{kind}_due_at")
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value if isinstance(value, dt.datetime) else None

    out: dict[str, Any] = {"policy_id": state.get("policy_id")}
    for kind in SLA_KINDS:
        out[f"{kind}_due_at"] = due(kind) if kind not in state.get("done", {}) else None
    out["breaches"] = [{"kind": b["kind"], "at": b["at"]} for b in state.get("breaches") or []]
    return SlaOut.model_validate(out)


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
    vip: bool = False
    #: The place in its team's queue (1 is next); None once assigned.
    queue_position: int | None = None
    sla: SlaOut | None = None
    csat: CsatOut | None = None

    @classmethod
    def of(cls, doc: Any, queue_position: int | None = None, **overrides: Any) -> Self:
        """The conversation's shape; ``sla`` and ``csat`` show only their public parts."""
        state, answer = getattr(doc, "sla", None), getattr(doc, "csat", None)
        overrides.setdefault("sla", sla_public(state) if state else None)
        overrides.setdefault("csat", answer if answer and answer.get("rating") else None)
        return super().of(doc, **{"queue_position": queue_position, **overrides})


class CallbackWindow(BaseModel):
    #: ``from`` in JSON (a Python keyword otherwise).
    from_: dt.datetime
    until: dt.datetime

    model_config = {
        "populate_by_name": True,
        "alias_generator": lambda f: "from" if f == "from_" else f,
    }


class CallbackAttemptOut(BaseModel):
    at: dt.datetime
    by: str
    by_name: str
    outcome: Literal["reached", "no_answer"]
    note: str


class CallbackOut(BaseModel):
    """A callback request as the API and the ``callback.*`` events show it."""

    id: str
    contact_id: str | None
    phone: str
    team_id: str | None
    conversation_id: str | None
    source: str
    requested_at: dt.datetime
    window: CallbackWindow
    customer_input: str
    handler_id: str | None
    handler_name: str
    calling_since: dt.datetime | None
    status: Literal["waiting", "requeued", "done", "cancelled"]
    due_at: dt.datetime | None
    attempts: list[CallbackAttemptOut]
    last_note: str

    @classmethod
    def of(cls, c: CallbackRequest) -> CallbackOut:
        return cls(
            id=str(c.id),
            contact_id=str(c.contact_id) if c.contact_id else None,
            phone=c.phone,
            team_id=c.team_id,
            conversation_id=str(c.conversation_id) if c.conversation_id else None,
            source=c.source,
            requested_at=c.requested_at,
            window=CallbackWindow(from_=c.window_from, until=c.window_until),
            customer_input=c.customer_input,
            handler_id=c.handler_id,
            handler_name=c.handler_name,
            calling_since=c.calling_since,
            status=c.status,
            due_at=c.due_at,
            attempts=[CallbackAttemptOut(**a.model_dump()) for a in c.attempts],
            last_note=c.last_note,
        )

    def to_json(self) -> JsonObject:
        return self.model_dump(mode="json", by_alias=True)
