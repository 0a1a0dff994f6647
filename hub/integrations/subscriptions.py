"""Outbound event subscriptions of an account: create, remove, read the delivery log, redeliver.

The API (``/api/v1/webhooks``) and the admin pages both call these.
"""

from __future__ import annotations

import datetime as dt
import secrets

from beanie import PydanticObjectId

from hub.contract import now
from hub.errors import InvalidInput
from hub.models import WebhookDelivery, WebhookSubscription
from hub.models.webhook import EVENT_TYPES
from hub.pipeline import outbound
from hub.store.conversations import NotFound, oid

LOG_WINDOW_DAYS = 30


class SubscriptionError(InvalidInput):
    """A subscription refused as given (its URL or its events)."""


def check(url: str, events: list[str]) -> None:
    if not url.startswith(("https://", "http://")) or len(url) > 2000 or " " in url:
        raise SubscriptionError(
            "invalid_url", "the URL must be an absolute http(s) URL", field="url"
        )
    unknown = [e for e in events if e not in EVENT_TYPES]
    if not events or unknown:
        raise SubscriptionError(
            "invalid_events", f"choose events from {', '.join(EVENT_TYPES)}", field="events"
        )


async def create(account_id: PydanticObjectId, url: str, events: list[str]) -> WebhookSubscription:
    """A new subscription; its signing ``secret`` is shown once by the caller.

    A URL that resolves inside the hub's network is refused (``OutboundRefused``).
    """
    check(url, events)
    await outbound.check_url_async(url)
    sub = WebhookSubscription(
        account_id=account_id,
        url=url,
        events=list(dict.fromkeys(events)),
        secret="whsec_" + secrets.token_hex(24),
    )
    await sub.insert()
    return sub


async def get(account_id: PydanticObjectId, subscription_id: str) -> WebhookSubscription:
    found = await WebhookSubscription.find_one(
        WebhookSubscription.id == oid(subscription_id), WebhookSubscription.account_id == account_id
    )
    if found is None:
        raise NotFound(subscription_id)
    return found


async def list_all(account_id: PydanticObjectId) -> list[WebhookSubscription]:
    return (
        await WebhookSubscription.find(WebhookSubscription.account_id == account_id)
        .sort("created_at")
        .to_list()
    )


async def remove(account_id: PydanticObjectId, subscription_id: str) -> WebhookSubscription:
    sub = await get(account_id, subscription_id)
    await WebhookSubscription.get_pymongo_collection().delete_one(
        {"_id": sub.id, "account_id": account_id}
    )
    return sub


async def deliveries(
    account_id: PydanticObjectId, sub: WebhookSubscription, limit: int = 50
) -> list[WebhookDelivery]:
    """The newest deliveries of the last 30 days (the log's TTL), newest first."""
    since = now() - dt.timedelta(days=LOG_WINDOW_DAYS)
    found = await WebhookDelivery.find(
        {"account_id": account_id, "target_id": sub.id, "created_at": {"$gte": since}}
    ).to_list()
    return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]


async def redeliver(account_id: PydanticObjectId, delivery_id: str) -> WebhookDelivery:
    """Send a delivery again now (a delivered or failed one too): pending, due now."""
    delivery = await WebhookDelivery.find_one(
        WebhookDelivery.id == oid(delivery_id), WebhookDelivery.account_id == account_id
    )
    if delivery is None or delivery.target != "subscription":
        raise NotFound(delivery_id)
    await WebhookDelivery.get_pymongo_collection().update_one(
        {"_id": delivery.id, "account_id": account_id},
        {"$set": {"status": "pending", "due": now(), "created_at": now(), "updated_at": now()},
         "$unset": {"owner": ""}},
    )  # fmt: skip
    return delivery
