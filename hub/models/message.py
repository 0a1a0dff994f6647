"""Messages: inbound and outbound, with delivery state and the outbox's claim fields."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pymongo
from beanie import PydanticObjectId
from pydantic import BaseModel, model_validator

from hub.contract import Attachment, DeliveryState, Location, QuickReply
from hub.models.base import TenantDocument


class Sender(BaseModel):
    type: Literal["contact", "agent", "bot", "system", "api"]
    id: str | None = None
    name: str | None = None


class SendError(BaseModel):
    code: str
    message: str


class Translation(BaseModel):
    """An inbound message in the agent's language (``hub.assist``): ``language`` is the
    detected language of the original, ``text`` the translation."""

    language: str
    text: str


class Message(TenantDocument):
    conversation_id: PydanticObjectId
    channel_id: PydanticObjectId
    direction: Literal["in", "out"]
    text: str = ""
    html: str | None = None
    subject: str | None = None
    attachments: list[Attachment] = []
    sender: Sender
    private: bool = False
    #: ``public`` (to the customer), ``note`` (agents), ``whisper`` (the assignee and
    #: supervisors only; ``whisper_to`` in metadata names the assignee). Notes and whispers
    #: are ``private``: never sent.
    visibility: Literal["public", "note", "whisper"] = "public"
    payload: str | None = None
    quick_replies: list[QuickReply] = []
    template: dict[str, Any] | None = None
    location: Location | None = None
    reply_to: str | None = None
    thread_refs: list[str] = []
    automated: bool = False
    delivery: DeliveryState
    delivery_rank: int = 0
    error: SendError | None = None
    provider_message_id: str | None = None
    metadata: dict[str, Any] = {}
    idempotency_key: str | None = None
    #: The business number or address an outbound message leaves from (``hub.pipeline.senders``);
    #: None: the channel's only (default) sender.
    from_address: str | None = None
    # The outbox's claim: due time (next attempt, or lease end once claimed); unset when done.
    outbox_due: dt.datetime | None = None
    outbox_owner: str | None = None
    attempts: int = 0
    updated_at: dt.datetime | None = None
    #: Search terms of the text and subject (``hub.store.terms.text_terms``), written with
    #: the message (``hub.store.terms.index_message``); deleted with it.
    terms: list[str] = []
    #: The text in the agent's language (inbound, ``hub.assist`` translate); None: none.
    translation: Translation | None = None
    #: The agent's own words of a reply sent translated (``translate_to``); ``text`` went out.
    original_text: str | None = None

    @model_validator(mode="after")
    def _private_is_not_public(self) -> Message:
        if self.private and self.visibility == "public":
            self.visibility = "note"
        return self

    class Settings:
        name = "messages"
        indexes = [
            # Once per channel; account_id leads so the index survives sharding on it.
            pymongo.IndexModel(
                [("account_id", 1), ("channel_id", 1), ("provider_message_id", 1)],
                unique=True,
                partialFilterExpression={"provider_message_id": {"$type": "string"}},
            ),
            pymongo.IndexModel(
                [("account_id", 1), ("idempotency_key", 1)],
                unique=True,
                partialFilterExpression={"idempotency_key": {"$type": "string"}},
            ),
            # Status callbacks and retries find a message by the provider's id. Not
            # partial, so SecantusDB's planner uses it (it ignores partial indexes).
            [("channel_id", 1), ("provider_message_id", 1)],
            # A conversation's messages, in time windows (API list, thread, threading).
            [("account_id", 1), ("conversation_id", 1), ("created_at", 1)],
            # Search: a term's messages, newest first in time windows (hub.store.search).
            [("account_id", 1), ("terms", 1), ("created_at", -1)],
            pymongo.IndexModel(
                [("outbox_due", 1)], partialFilterExpression={"outbox_due": {"$type": "date"}}
            ),
        ]


class EarlyStatus(TenantDocument):
    """A status report that arrived before the send call returned the provider's id."""

    channel_id: PydanticObjectId
    provider_message_id: str
    status: DeliveryState
    error: SendError | None = None
    metadata: dict[str, Any] = {}

    class Settings:
        name = "early_statuses"
        indexes = [
            [("channel_id", 1), ("provider_message_id", 1)],
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=7 * 24 * 3600),
        ]
