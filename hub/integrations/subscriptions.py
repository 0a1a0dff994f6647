"""Outbound event subscriptions of an account: create, remove, read the delivery log, redeliver.

The API (``/api/v1/webhooks``) and the admin pages both call these.
"""

from __future__ import annotations

import datetime as dt
import secrets

from beanie import PydanticObjectId

from hub.contract import now
from hub.errors import InvalidInput, NotFound
from hub.models import WebhookDelivery, WebhookSubscription
from hub.models.webhook import EVENT_TYPES
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import SIGNING_FIELDS, Cipher
from hub.store import webhooks as store
from hub.store.ids import parse_id

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


async def create(
    account_id: PydanticObjectId, url: str, events: list[str], cipher: Cipher
) -> WebhookSubscription:
    """A new subscription; its signing ``secret`` is shown once by the caller.

    The secret is stored sealed with ``cipher`` (like channel secrets); the subscription
    returned holds it plain, in memory only. A URL that resolves inside the hub's network
    is refused (``OutboundRefused``).
    """
    check(url, events)
    await outbound.check_url_async(url)
    secret = "whsec_" + secrets.token_hex(24)
    sub = WebhookSubscription(
        account_id=account_id,
        url=url,
        events=list(dict.fromkeys(events)),
        secret=cipher.seal(SIGNING_FIELDS["subscription"], secret),
    )
    stored = await store.insert_subscription(sub)
    shown: WebhookSubscription = stored.model_copy(update={"secret": secret})
    return shown


async def get(
    account_id: PydanticObjectId, subscription_id: str | PydanticObjectId
) -> WebhookSubscription:
    found = await store.get_subscription(account_id, parse_id(subscription_id))
    if found is None:
        raise NotFound(str(subscription_id))
    return found


async def list_all(account_id: PydanticObjectId) -> list[WebhookSubscription]:
    return await store.list_subscriptions(account_id)


async def remove(
    account_id: PydanticObjectId, subscription_id: str | PydanticObjectId
) -> WebhookSubscription:
    sub = await get(account_id, subscription_id)
    assert sub.id is not None
    await store.delete_subscription(account_id, sub.id)
    return sub


async def deliveries(
    account_id: PydanticObjectId, sub: WebhookSubscription, limit: int = 50
) -> list[WebhookDelivery]:
    """The newest deliveries of the last 30 days (the log's TTL), newest first."""
    since = now() - dt.timedelta(days=LOG_WINDOW_DAYS)
    assert sub.id is not None
    return await store.recent_deliveries(account_id, sub.id, since, limit)


async def redeliver(
    account_id: PydanticObjectId, delivery_id: str | PydanticObjectId
) -> WebhookDelivery:
    """Send a delivery again now (a delivered or failed one too): pending, due now."""
    delivery = await store.get_delivery(account_id, parse_id(delivery_id))
    if delivery is None or delivery.target != "subscription" or delivery.id is None:
        raise NotFound(str(delivery_id))
    await store.requeue_delivery(account_id, delivery.id)
    return delivery
