"""Outbound event webhooks: an account's subscriptions and the deliveries made to them.

Subscriptions are read and written per account. Deliveries are stored once per
(target, event) under a unique index; the delivery worker claims them across
accounts (``claim_due_delivery_all_accounts``) like the outbox's dispatcher.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError

from hub.contract import now
from hub.errors import NotFound
from hub.models import Bot, WebhookDelivery, WebhookSubscription
from hub.models.webhook import Attempt, LastError
from hub.store.paging import page_of

DeliveryTarget = Literal["subscription", "bot"]
#: The partial index of pending deliveries. Named in the worker's queries: SecantusDB's
#: planner does not pick a partial index by itself and read every delivery instead.
DUE_INDEX = [("due", 1)]

# --------------------------------------------------------------------------- subscriptions


async def insert_subscription(sub: WebhookSubscription) -> WebhookSubscription:
    await sub.insert()
    return sub


async def get_subscription(
    account_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> WebhookSubscription | None:
    return await WebhookSubscription.find_one(
        WebhookSubscription.id == subscription_id, WebhookSubscription.account_id == account_id
    )


async def require_subscription(
    account_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> WebhookSubscription:
    """One of the account's subscriptions; another account's is not found (``NotFound``)."""
    found = await get_subscription(account_id, subscription_id)
    if found is None:
        raise NotFound(str(subscription_id))
    return found


async def list_subscriptions(account_id: PydanticObjectId) -> list[WebhookSubscription]:
    """The account's subscriptions, oldest first."""
    return (
        await WebhookSubscription.find(WebhookSubscription.account_id == account_id)
        .sort("created_at")
        .to_list()
    )


async def delete_subscription(
    account_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> None:
    await WebhookSubscription.get_pymongo_collection().delete_one(
        {"_id": subscription_id, "account_id": account_id}
    )


async def subscribers(account_id: PydanticObjectId, event_type: str) -> list[PydanticObjectId]:
    """The ids of the account's active subscriptions to ``event_type``."""
    subs = WebhookSubscription.get_pymongo_collection().find(
        {"account_id": account_id, "active": True, "events": event_type}, {"_id": 1}
    )
    return [doc["_id"] async for doc in subs]


async def interested_accounts_all_accounts() -> set[PydanticObjectId]:
    """Every account with an active subscription or a bot (spans accounts by nature: the
    event fan-out keeps this set in memory to skip the events of every other account)."""
    found: set[PydanticObjectId] = set()
    for collection, query in (
        (WebhookSubscription.get_pymongo_collection(), {"active": True}),
        (Bot.get_pymongo_collection(), {}),
    ):
        async for doc in collection.find(query, {"account_id": 1}):
            found.add(doc["account_id"])
    return found


# --------------------------------------------------------------------------- deliveries


async def insert_deliveries(deliveries: list[WebhookDelivery]) -> int:
    """Store new deliveries; returns how many were new (the rest were stored before,
    by another process that saw the same change, under the unique (target, event) key)."""
    try:
        result = await WebhookDelivery.insert_many(deliveries, ordered=False)
        return len(result.inserted_ids)
    except BulkWriteError as exc:
        return int(exc.details.get("nInserted", 0))


async def recent_deliveries(
    account_id: PydanticObjectId, target_id: PydanticObjectId, since: dt.datetime, limit: int
) -> list[WebhookDelivery]:
    """The target's deliveries created since ``since``, newest first, at most ``limit``."""
    found = await WebhookDelivery.find(
        {"account_id": account_id, "target_id": target_id, "created_at": {"$gte": since}}
    ).to_list()
    return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]


async def get_delivery(
    account_id: PydanticObjectId, delivery_id: PydanticObjectId
) -> WebhookDelivery | None:
    return await WebhookDelivery.find_one(
        WebhookDelivery.id == delivery_id, WebhookDelivery.account_id == account_id
    )


async def requeue_delivery(account_id: PydanticObjectId, delivery_id: PydanticObjectId) -> None:
    """Make a delivery pending and due now (a delivered or failed one too)."""
    await WebhookDelivery.get_pymongo_collection().update_one(
        {"_id": delivery_id, "account_id": account_id},
        {"$set": {"status": "pending", "due": now(), "redelivered_at": now(), "updated_at": now()},
         "$unset": {"owner": ""}},
    )  # fmt: skip


async def next_delivery_due_all_accounts() -> dt.datetime | None:
    """When the next delivery of any account is due (the worker's sleep)."""
    nxt = await WebhookDelivery.get_pymongo_collection().find_one(
        {"due": {"$type": "date"}}, {"due": 1}, sort=[("due", 1)], hint=DUE_INDEX
    )
    if nxt is None:
        return None
    due: dt.datetime = nxt["due"]
    return due


async def claim_due_delivery_all_accounts(
    owner: str, lease: dt.timedelta
) -> WebhookDelivery | None:
    """Claim the most overdue pending delivery of any account: its ``due`` moves to the end
    of ``lease`` under ``owner`` (a crashed worker's claim runs out and is taken again)."""
    at = now()
    doc = await WebhookDelivery.get_pymongo_collection().find_one_and_update(
        {"due": {"$type": "date", "$lte": at}, "status": "pending"},
        {"$set": {"due": at + lease, "owner": owner}, "$inc": {"attempts": 1}},
        sort=[("due", 1)],
        hint=DUE_INDEX,
        return_document=ReturnDocument.AFTER,
    )
    return None if doc is None else WebhookDelivery.model_validate(doc)


@dataclass(frozen=True)
class Endpoint:
    """Where a delivery goes and the secrets that sign it (the current one first)."""

    url: str
    secrets: tuple[str, ...]


async def delivery_target(delivery: WebhookDelivery) -> Endpoint | None:
    """The URL and secrets of the delivery's target (its bot, or its active subscription,
    with the secret before a rotation while it is still honoured), or None once it was
    removed or disabled."""
    query = {"_id": delivery.target_id, "account_id": delivery.account_id}
    if delivery.target == "bot":
        bot = await Bot.find_one(query)
        return None if bot is None else Endpoint(bot.webhook_url, (bot.secret,))
    sub = await WebhookSubscription.find_one({**query, "active": True})
    if sub is None:
        return None
    keys = [sub.secret]
    until = sub.previous_secret_until
    if sub.previous_secret and until is not None and _aware(until) > now():
        keys.append(sub.previous_secret)
    return Endpoint(sub.url, tuple(keys))


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def record_health(
    account_id: PydanticObjectId,
    subscription_id: PydanticObjectId,
    attempt: Attempt,
    ok: bool,
    disabled_reason: str | None = None,
) -> None:
    """Note an attempt on the subscription: its last success, or its last error and one more
    failure in a row; ``disabled_reason`` also stops its deliveries (a ``410 Gone``)."""
    query = {"_id": subscription_id, "account_id": account_id}
    collection = WebhookSubscription.get_pymongo_collection()
    if ok:
        await collection.update_one(
            query, {"$set": {"last_success_at": attempt.at, "failures_in_a_row": 0}}
        )
        return
    error = LastError(
        at=attempt.at,
        status_code=attempt.status_code,
        message=attempt.error or f"answered {attempt.status_code}",
    )
    changes: dict[str, object] = {"last_error": error.model_dump()}
    if disabled_reason is not None:
        changes |= {"active": False, "disabled_reason": disabled_reason}
    await collection.update_one(query, {"$set": changes, "$inc": {"failures_in_a_row": 1}})


async def rotate_secret(
    account_id: PydanticObjectId,
    subscription_id: PydanticObjectId,
    secret: str,
    keep_until: dt.datetime,
) -> WebhookSubscription | None:
    """Make ``secret`` the subscription's signing secret; the one it replaces (as stored)
    still signs until ``keep_until`` (a rotation drops a secret kept from an earlier one).

    One atomic update (a pipeline copies the stored secret), so two rotations at once
    each keep the secret they replaced, and none is lost."""
    doc = await WebhookSubscription.get_pymongo_collection().find_one_and_update(
        {"_id": subscription_id, "account_id": account_id},
        [{"$set": {"previous_secret": "$secret", "secret": {"$literal": secret},
                   "previous_secret_until": keep_until}}],
        return_document=ReturnDocument.AFTER,
    )  # fmt: skip
    return None if doc is None else WebhookSubscription.model_validate(doc)


async def insert_delivery(delivery: WebhookDelivery) -> WebhookDelivery:
    """Store one delivery (a test ``ping``)."""
    await delivery.insert()
    return delivery


async def requeue_failed(
    account_id: PydanticObjectId,
    subscription_id: PydanticObjectId,
    since: dt.datetime,
    until: dt.datetime,
) -> int:
    """Make every failed delivery of the subscription created in [since, until) pending and
    due now; returns how many."""
    at = now()
    result = await WebhookDelivery.get_pymongo_collection().update_many(
        {
            "account_id": account_id,
            "target_id": subscription_id,
            "status": "failed",
            "created_at": {"$gte": since, "$lt": until},
        },
        {
            "$set": {"status": "pending", "due": at, "redelivered_at": at, "updated_at": at},
            "$unset": {"owner": ""},
        },
    )
    return int(result.modified_count)


async def finish_delivery(
    delivery: WebhookDelivery,
    owner: str,
    status: Literal["delivered", "failed"],
    attempt: Attempt,
    kept: int,
) -> None:
    """Record the last attempt of a claimed delivery and close it (if ``owner`` still holds it)."""
    await WebhookDelivery.get_pymongo_collection().update_one(
        _claimed(delivery, owner),
        {
            "$set": {"status": status, "updated_at": now()},
            "$unset": {"due": "", "owner": ""},
            "$push": {"log": {"$each": [attempt.model_dump()], "$slice": -kept}},
        },
    )


async def retry_delivery(
    delivery: WebhookDelivery, owner: str, attempt: Attempt, due: dt.datetime, kept: int
) -> None:
    """Record a failed attempt of a claimed delivery and make it due again at ``due``."""
    await WebhookDelivery.get_pymongo_collection().update_one(
        _claimed(delivery, owner),
        {
            "$set": {"due": due, "updated_at": now()},
            "$unset": {"owner": ""},
            "$push": {"log": {"$each": [attempt.model_dump()], "$slice": -kept}},
        },
    )


def _claimed(delivery: WebhookDelivery, owner: str) -> dict[str, object]:
    return {"_id": delivery.id, "account_id": delivery.account_id, "owner": owner}


# ---- added by api


async def page_subscriptions(
    account_id: PydanticObjectId, limit: int, cursor: str | None
) -> tuple[list[WebhookSubscription], str | None]:
    """A page of the account's subscriptions, oldest first."""
    return await page_of(
        WebhookSubscription, {"account_id": account_id}, limit, cursor, descending=False
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
