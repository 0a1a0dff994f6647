"""Web Push: a user's devices (browser push subscriptions) and the pushes waiting for them."""

from __future__ import annotations

import datetime as dt

import pymongo
from beanie import PydanticObjectId

from hub.models.base import TenantDocument

#: What a device can be told; each device turns each kind on or off under "My account".
PUSH_KINDS = ("assigned", "reply", "mention", "whisper", "sla")
#: A push not sent within a day is dropped (the TTL index): it is stale news by then.
DELIVERY_KEEP_SECONDS = 24 * 3600


class PushSubscription(TenantDocument):
    """One browser's ``PushSubscription`` for one user: where the push service takes pushes
    (``endpoint``) and the keys the payload is encrypted to (``p256dh``, ``auth``)."""

    user_id: PydanticObjectId
    endpoint: str
    p256dh: str
    auth: str
    #: Which browser and system, from the User-Agent when it subscribed ("Firefox", "Android"):
    #: names, shown in the reader's language as "Firefox on Android" (``hub.inbox.push``).
    browser: str = ""
    system: str = ""
    kinds: list[str] = list(PUSH_KINDS)
    last_used_at: dt.datetime | None = None

    class Settings:
        name = "push_subscriptions"
        indexes = [
            pymongo.IndexModel([("endpoint", 1)], unique=True),
            [("account_id", 1), ("user_id", 1)],
        ]


class PushDelivery(TenantDocument):
    """One push for one device, stored by every process that saw the event under the unique
    (subscription, event) key so it is sent once; claimed with a lease like webhook deliveries
    and deleted once sent or given up (nothing of its text is kept)."""

    subscription_id: PydanticObjectId
    user_id: PydanticObjectId
    event_key: str
    kind: str
    #: The JSON payload ``{"kind", "conversation_id", "title", "body", "url"}``.
    payload: str
    due: dt.datetime | None = None
    owner: str | None = None
    attempts: int = 0

    class Settings:
        name = "push_deliveries"
        indexes = [
            pymongo.IndexModel([("subscription_id", 1), ("event_key", 1)], unique=True),
            pymongo.IndexModel([("due", 1)], partialFilterExpression={"due": {"$type": "date"}}),
            [("account_id", 1), ("user_id", 1)],
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=DELIVERY_KEEP_SECONDS),
        ]
