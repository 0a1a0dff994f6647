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


class WebhookSubscription(TenantDocument):
    url: str
    events: list[str]
    #: Signs every delivery (``Parley-Signature``); shown once, when the subscription is made.
    secret: str
    active: bool = True

    class Settings:
        name = "webhook_subscriptions"
        indexes = [[("account_id", 1), ("created_at", 1)]]


class Attempt(BaseModel):
    """One POST of a delivery: what the receiver answered and how long it took."""

    attempt: int
    at: dt.datetime
    status_code: int | None = None
    duration_ms: int
    error: str | None = None


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

    class Settings:
        name = "webhook_deliveries"
        indexes = [
            pymongo.IndexModel([("target_id", 1), ("event_key", 1)], unique=True),
            pymongo.IndexModel([("due", 1)], partialFilterExpression={"due": {"$type": "date"}}),
            [("account_id", 1), ("target_id", 1), ("created_at", -1)],
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=30 * 24 * 3600),
        ]
