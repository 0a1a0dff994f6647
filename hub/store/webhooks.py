"""Outbound event subscriptions and their deliveries, per account."""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.errors import NotFound
from hub.models import WebhookDelivery, WebhookSubscription
from hub.store.paging import page_of

# ---- added by api


async def page_subscriptions(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[WebhookSubscription], str | None]:
    """A page of the account's subscriptions, oldest first."""
    return await page_of(
        WebhookSubscription, {"account_id": account_id}, limit, cursor, descending=False
    )


async def get_subscription(
    account_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> WebhookSubscription:
    """One of the account's subscriptions; another account's is not found."""
    found = await WebhookSubscription.find_one(
        WebhookSubscription.id == subscription_id, WebhookSubscription.account_id == account_id
    )
    if found is None:
        raise NotFound(str(subscription_id))
    return found


async def delete_subscription(
    account_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> None:
    await WebhookSubscription.get_pymongo_collection().delete_one(
        {"_id": subscription_id, "account_id": account_id}
    )


async def page_deliveries(
    account_id: PydanticObjectId,
    subscription_id: PydanticObjectId,
    status: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    """A page of a subscription's deliveries, newest first (only ``status`` ones if given)."""
    keep = (lambda d: d.get("status") == status) if status else None
    return await page_of(
        WebhookDelivery,
        {"account_id": account_id, "target_id": subscription_id},
        limit,
        cursor,
        keep=keep,
    )
