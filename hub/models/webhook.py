"""Outbound event webhooks: an account's subscriptions and the deliveries made to them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pymongo
from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.models.base import TenantDocument

EVENT_TYPES = (
    "message.created",
    "message.updated",
    "conversation.created",
    "conversation.updated",
    "callback.created",
    "callback.updated",
    "sla.breached",
    "csat.received",
)


class LastError(BaseModel):
    """The last failed attempt at a subscription: when, the answer's status (None: no answer), why."""

    at: dt.datetime
    status_code: int | None = None
    message: str


class WebhookSubscription(TenantDocument):
    url: str
    events: list[str]
    #: Signs every delivery (``Parley-Signature`` and ``webhook-signature``); shown once,
    #: when the subscription is made or its secret rotated.
    secret: str
    #: The secret before the last rotation: deliveries carry its signature too until
    #: ``previous_secret_until`` (24 hours after the rotation).
    previous_secret: str | None = None
    previous_secret_until: dt.datetime | None = None
    active: bool = True
    #: Why the hub stopped delivering (a ``410 Gone``), when it did.
    disabled_reason: str | None = None
    #: Health, from the delivery worker's attempts.
    last_success_at: dt.datetime | None = None
    last_error: LastError | None = None
    failures_in_a_row: int = 0

    class Settings:
        name = "webhook_subscriptions"
        indexes = [[("account_id", 1), ("created_at", 1)]]


class Attempt(BaseModel):
    """One POST of a delivery: the headers it carried, what the receiver answered (status
    and the start of its body) and how long it took."""

    attempt: int
    at: dt.datetime
    status_code: int | None = None
    duration_ms: int
    error: str | None = None
    request_headers: dict[str, str] = {}
    #: The first ``hub.integrations.event_delivery.EXCERPT_BYTES`` of the answer's body.
    response_body: str | None = None


class WebhookDelivery(TenantDocument):
    """One event for one target (a subscription or a bot), sent until it is taken or given up.

    ``_id`` is unique per (target, event), so every ``parley serve`` process that sees the
    change creates the same delivery once. Claimed like the outbox: ``due`` moves to the
    end of a lease while a worker sends it.
    """

    target: Literal["subscription", "bot"]
    target_id: PydanticObjectId
    event_key: str
    event_type: str
    #: The exact JSON body that is signed and POSTed: ``{"id", "type", "created_at", "data"}``.
    body: str
    conversation_id: PydanticObjectId | None = None
    status: Literal["pending", "delivered", "failed"] = "pending"
    due: dt.datetime | None = None
    owner: str | None = None
    attempts: int = 0
    log: list[Attempt] = []
    updated_at: dt.datetime | None = None
    #: When it was last sent again by hand: its retries run for a day from then.
    redelivered_at: dt.datetime | None = None

    class Settings:
        name = "webhook_deliveries"
        indexes = [
            pymongo.IndexModel([("target_id", 1), ("event_key", 1)], unique=True),
            pymongo.IndexModel([("due", 1)], partialFilterExpression={"due": {"$type": "date"}}),
            [("account_id", 1), ("target_id", 1), ("created_at", -1)],
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=30 * 24 * 3600),
        ]
