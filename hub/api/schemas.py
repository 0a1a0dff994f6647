"""The API's request and response bodies (also the OpenAPI document's schemas)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Self, get_args

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.contract import JsonObject, QuickReply, one_address, one_line
from hub.integrations import event_webhooks

# Shapes shared with outbound webhooks live in hub.representations; re-exported here
# so the route table names every schema from one module.
from hub.integrations.representations import ConversationOut as ConversationOut
from hub.integrations.representations import ErrorOut as ErrorOut
from hub.integrations.representations import MessageOut as MessageOut
from hub.integrations.representations import Representation as Representation
from hub.models.account import AssistLanguage
from hub.store.attributes import check_attributes

EventType = Literal[
    "message.created",
    "message.updated",
    "conversation.created",
    "conversation.updated",
    "callback.created",
    "callback.updated",
    "sla.breached",
    "csat.received",
]


#: A name or a subject: one line (CR, LF and control characters are refused with 400).
OneLine = Annotated[str, AfterValidator(one_line)]
#: One address (no CR/LF, no list, no display form).
OneAddress = Annotated[str, AfterValidator(one_address)]


class ChannelOut(Representation):
    id: str
    type: str
    name: str
    active: bool
    webhook_url: str
    created_at: dt.datetime
    #: Advice about the channel's config (e.g. a web chat colour's contrast); may be empty.
    warnings: list[str] = Field(default_factory=list)


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["open", "pending", "snoozed", "resolved"] | None = None
    snoozed_until: dt.datetime | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    labels: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=50
    )
    priority: Literal["low", "normal", "high", "urgent"] | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> ConversationPatch:
        """``null`` unassigns an assignee or team; status, labels and priority always have one."""
        for name in ("status", "labels", "priority"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class TemplateIn(BaseModel):
    name: str | None = None
    sid: str | None = None
    language: str | None = None
    variables: dict[str, str] = {}


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_by_name=False)

    text: str = Field(default="", max_length=65536)
    attachments: list[str] = Field(default=[], max_length=10, description="ids of uploaded media")
    private: bool = False
    template: TemplateIn | None = None
    quick_replies: list[QuickReply] = Field(default=[], max_length=10)
    from_: OneAddress | None = Field(
        default=None,
        alias="from",
        max_length=320,
        description="one of the channel's senders; default: the number the customer wrote to",
    )
    translate_to: AssistLanguage | None = Field(
        default=None,
        description="send the text translated into this language (assist's translate); "
        "the text as written is kept as the message's original_text",
    )


def page(items: Sequence[BaseModel], next_cursor: str | None) -> JsonObject:
    """One page of a list: ``{"data": [...], "next_cursor"}``."""
    return {"data": [i.model_dump(mode="json") for i in items], "next_cursor": next_cursor}


# --------------------------------------------------------------------------- contacts


class ContactOut(Representation):
    id: str
    name: str | None
    email: str | None
    phone: str | None
    addresses: list[str]
    vip: bool
    attributes: dict[str, Any]
    created_at: dt.datetime


PHONE = r"^\+?[0-9]{3,20}$"
EMAIL = r"^[^@\s]+@[^@\s]+$"


class ContactPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine | None = Field(default=None, max_length=200)
    email: OneAddress | None = Field(default=None, max_length=320, pattern=EMAIL)
    phone: str | None = Field(default=None, pattern=PHONE)
    vip: bool | None = None
    attributes: dict[str, Any] | None = Field(default=None, max_length=100)

    @field_validator("attributes")
    @classmethod
    def _bson_safe(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        checked: dict[str, Any] | None = check_attributes(value)
        return checked


class ContactIn(ContactPatch):
    """A new contact needs an email or a phone number (its first address)."""


class ContactExport(BaseModel):
    contact: ContactOut
    conversations: list[ConversationOut]
    messages: list[MessageOut]
    #: The contact's records kept by other parts, by collection (callbacks, CSAT, look-ups…).
    related: dict[str, list[dict[str, Any]]] = {}


class ErasedOut(BaseModel):
    id: str
    erased: bool
    messages: int


# --------------------------------------------------------------------------- messages


class SendIn(BaseModel):
    """A message from the business side: continues the contact's conversation or starts one."""

    model_config = ConfigDict(extra="forbid")

    channel_id: str
    to: OneAddress = Field(
        min_length=1,
        max_length=320,
        description="the contact's address: +4512345678, ann@example.com, or kind:value",
    )
    text: str = Field(default="", max_length=65536)
    template: TemplateIn | None = None
    subject: OneLine | None = Field(
        default=None, max_length=998, description="email: the subject of the new thread"
    )
    from_: OneAddress | None = Field(
        default=None, alias="from", max_length=320, description="one of the channel's senders"
    )
    translate_to: AssistLanguage | None = Field(
        default=None,
        description="send the text translated into this language (assist's translate); "
        "the text as written is kept as the message's original_text",
    )


# --------------------------------------------------------------------------- webhooks


def _http_url(value: str) -> str:
    """An absolute http(s) URL that the shared HTTP client can call."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError):
        raise ValueError("not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("an absolute http or https URL is needed")
    return value


HttpUrl = Annotated[
    str, Field(pattern=r"^https?://[^\s/]+", max_length=2000), AfterValidator(_http_url)
]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpUrl
    events: list[EventType] = Field(min_length=1, max_length=6)


class LastErrorOut(BaseModel):
    at: dt.datetime
    status_code: int | None
    message: str


class WebhookOut(Representation):
    id: str
    url: str
    events: list[str]
    active: bool
    #: Why the hub stopped delivering (a ``410 Gone`` answer); null while active.
    disabled_reason: str | None = None
    last_success_at: dt.datetime | None = None
    last_error: LastErrorOut | None = None
    failures_in_a_row: int = 0
    #: Until when the secret before the last rotation still signs deliveries.
    previous_secret_until: dt.datetime | None = None
    created_at: dt.datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="signs deliveries (webhook-signature, Parley-Signature); shown only now"
    )


class AttemptOut(BaseModel):
    """One POST: the signature headers it carried and the receiver's answer."""

    attempt: int
    at: dt.datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    request_headers: dict[str, str] = Field(default_factory=dict)
    response_body: str | None = Field(default=None, description="the answer's first 1024 bytes")


class NoOptions(BaseModel):
    """An action that takes nothing: an empty object, or no body at all."""

    model_config = ConfigDict(extra="forbid")


class RedeliverRange(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    since: dt.datetime = Field(alias="from", description="ISO 8601 date-time, inclusive")
    until: dt.datetime = Field(alias="to", description="ISO 8601 date-time, exclusive")

    @field_validator("since", "until")
    @classmethod
    def _zoned(cls, value: dt.datetime) -> dt.datetime:
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class RedeliveredOut(BaseModel):
    redelivered: int


DeliveryStatus = Literal["pending", "delivered", "failed"]
DELIVERY_STATUSES: tuple[str, ...] = get_args(DeliveryStatus)


class DeliveryOut(Representation):
    id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    log: list[AttemptOut]
    #: The last attempt's answer (also the log's last entry), null before the first attempt.
    last_answer: AttemptOut | None = None
    #: The JSON body every attempt POSTed.
    body: str
    created_at: dt.datetime
    redelivered_at: dt.datetime | None = None

    @classmethod
    def of(cls, doc: Any, **overrides: Any) -> Self:
        """A delivery's log entry: its event id is the id in the delivered body (and the
        ``webhook-id`` header); due only when pending."""
        due = doc.due if doc.status == "pending" else None
        public = event_webhooks.public_id(doc.event_key)
        last = doc.log[-1].model_dump() if doc.log else None
        shown = {"event_id": public, "next_attempt_at": due, "last_answer": last}
        return super().of(doc, **{**shown, **overrides})


# --------------------------------------------------------------------------- bots


class BotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine = Field(min_length=1, max_length=200)
    webhook_url: HttpUrl
    channel_ids: list[str] = Field(min_length=1, max_length=50)


class BotOut(Representation):
    id: str
    name: str
    webhook_url: str
    channel_ids: list[str]
    created_at: dt.datetime


class BotCreated(BotOut):
    token: str = Field(description="the bot's bearer token for /api/v1/bot; shown only now")
    secret: str = Field(description="signs the bot's webhook deliveries; shown only now")


class BotReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=65536)
    quick_replies: list[QuickReply] = Field(default=[], max_length=10)


class HandoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_id: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=10000)
