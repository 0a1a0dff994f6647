"""Outbound event subscriptions of an account: create, remove, rotate the secret, read the
delivery log, redeliver one or every failed one in a time range, send a test ``ping``.

The API (``/api/v1/webhooks``) and the admin pages both call these.
"""

from __future__ import annotations

import datetime as dt
import json

from beanie import PydanticObjectId

from hub.contract import now
from hub.errors import Conflict, InvalidInput, NotFound
from hub.integrations import signing
from hub.integrations.event_webhooks import public_id
from hub.models import WebhookDelivery, WebhookSubscription
from hub.models.webhook import EVENT_TYPES
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import SIGNING_FIELDS, Cipher
from hub.store import webhooks as store
from hub.store.ids import parse_id

LOG_WINDOW_DAYS = 30
#: How long the secret before a rotation still signs deliveries.
ROTATION_OVERLAP = dt.timedelta(hours=24)


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
    secret = signing.new_secret()
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


async def rotate(
    account_id: PydanticObjectId, subscription_id: str | PydanticObjectId, cipher: Cipher
) -> WebhookSubscription:
    """A new signing secret (shown once by the caller; stored sealed with ``cipher``); the
    old one keeps signing, beside it, for ``ROTATION_OVERLAP``."""
    sub = await get(account_id, subscription_id)
    assert sub.id is not None
    secret = signing.new_secret()
    rotated = await store.rotate_secret(
        account_id,
        sub.id,
        cipher.seal(SIGNING_FIELDS["subscription"], secret),
        now() + ROTATION_OVERLAP,
    )
    if rotated is None:
        raise NotFound(str(subscription_id))
    shown: WebhookSubscription = rotated.model_copy(update={"secret": secret})
    return shown


def _deliverable(sub: WebhookSubscription) -> None:
    if not sub.active:
        raise Conflict(
            "subscription_disabled",
            f"the subscription is disabled ({sub.disabled_reason or 'inactive'}): "
            "make a new one for the endpoint",
        )


async def redeliver(
    account_id: PydanticObjectId,
    sub: WebhookSubscription,
    delivery_id: str | PydanticObjectId,
) -> WebhookDelivery:
    """Send one of the subscription's deliveries again now, as it was (the same event id,
    a new signature): pending, due now, a day of retries from now."""
    delivery = await store.get_delivery(account_id, parse_id(delivery_id))
    if delivery is None or delivery.target_id != sub.id or delivery.id is None:
        raise NotFound(str(delivery_id))
    _deliverable(sub)
    await store.requeue_delivery(account_id, delivery.id)
    return delivery


async def redeliver_failed(
    account_id: PydanticObjectId, sub: WebhookSubscription, since: dt.datetime, until: dt.datetime
) -> int:
    """Send again every failed delivery of the subscription created in [since, until)."""
    if until <= since:
        raise InvalidInput("invalid_range", "'to' must be after 'from'", field="to")
    _deliverable(sub)
    assert sub.id is not None
    return await store.requeue_failed(account_id, sub.id, since, until)


async def ping(account_id: PydanticObjectId, sub: WebhookSubscription) -> WebhookDelivery:
    """A signed test event ``{"type": "ping"}`` to the subscription, due now."""
    _deliverable(sub)
    assert sub.id is not None
    at = now()
    key = f"ping:{sub.id}:{at.isoformat()}"
    body = {
        "id": public_id(key),
        "type": "ping",
        "created_at": at.isoformat(),
        "data": {"subscription_id": str(sub.id), "url": sub.url},
    }
    delivery = WebhookDelivery(
        account_id=account_id,
        target="subscription",
        target_id=sub.id,
        event_key=key,
        event_type="ping",
        body=json.dumps(body, separators=(",", ":")),
        due=at,
        created_at=at,
        updated_at=at,
    )
    return await store.insert_delivery(delivery)
