"""Web Push: the users' devices (push subscriptions) and the pushes waiting to be sent.

A subscription is keyed by its endpoint (one per browser profile and site): subscribing
again from the same browser moves it to whoever subscribed last, in whichever account.
A push is one ``PushDelivery`` per (device, event) under a unique index, so every
``parley serve`` that sees the event stores it once; workers claim it with a lease.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError

from hub.contract import now
from hub.models.push import PUSH_KINDS, PushDelivery, PushSubscription

#: The partial index of waiting pushes. Named in the worker's queries: SecantusDB's planner
#: does not pick a partial index by itself and read every push instead (as in the outbox).
DUE_INDEX = [("due", 1)]

# --------------------------------------------------------------------------- devices


async def subscribe(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    endpoint: str,
    p256dh: str,
    auth: str,
    browser: str,
    system: str,
) -> PushSubscription:
    """Store (or move to this user) the browser's subscription; its kinds stay as they were
    for the same user, all on for a new one."""
    at = now()
    collection = PushSubscription.get_pymongo_collection()
    existing = await collection.find_one({"endpoint": endpoint}, {"account_id": 1, "user_id": 1})
    same = existing is not None and (existing["account_id"], existing["user_id"]) == (
        account_id,
        user_id,
    )
    fields: dict[str, object] = {
        "account_id": account_id,
        "user_id": user_id,
        "p256dh": p256dh,
        "auth": auth,
        "browser": browser,
        "system": system,
    }
    if not same:
        fields.update(kinds=list(PUSH_KINDS), created_at=at, last_used_at=None)
    doc = await collection.find_one_and_update(
        {"endpoint": endpoint},
        {"$set": fields, "$setOnInsert": {"endpoint": endpoint}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc is not None  # upserted
    if not same and existing is not None:  # pushes queued for its former owner go nowhere
        await PushDelivery.get_pymongo_collection().delete_many({"subscription_id": doc["_id"]})
    found: PushSubscription = PushSubscription.model_validate(doc)
    return found


async def devices(
    account_id: PydanticObjectId, user_id: PydanticObjectId
) -> list[PushSubscription]:
    """The user's devices, oldest first."""
    found = await PushSubscription.find({"account_id": account_id, "user_id": user_id}).to_list()
    return sorted(found, key=lambda s: s.created_at)


async def device(
    account_id: PydanticObjectId, user_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> PushSubscription | None:
    return await PushSubscription.find_one(
        {"_id": subscription_id, "account_id": account_id, "user_id": user_id}
    )


async def unsubscribe(
    account_id: PydanticObjectId, user_id: PydanticObjectId, endpoint: str
) -> bool:
    """Remove the user's device with this endpoint; False when they have none."""
    doc = await PushSubscription.get_pymongo_collection().find_one_and_delete(
        {"account_id": account_id, "user_id": user_id, "endpoint": endpoint}
    )
    if doc is None:
        return False
    await PushDelivery.get_pymongo_collection().delete_many({"subscription_id": doc["_id"]})
    return True


async def remove_device(
    account_id: PydanticObjectId, user_id: PydanticObjectId, subscription_id: PydanticObjectId
) -> bool:
    """Remove one of the user's devices by id; False when it is not theirs (or gone)."""
    result = await PushSubscription.get_pymongo_collection().delete_one(
        {"_id": subscription_id, "account_id": account_id, "user_id": user_id}
    )
    await PushDelivery.get_pymongo_collection().delete_many(
        {"subscription_id": subscription_id, "account_id": account_id}
    )
    return bool(result.deleted_count)


async def set_kinds(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    subscription_id: PydanticObjectId,
    kinds: list[str],
) -> bool:
    """Which kinds the device gets; False when it is not the user's."""
    result = await PushSubscription.get_pymongo_collection().update_one(
        {"_id": subscription_id, "account_id": account_id, "user_id": user_id},
        {"$set": {"kinds": [k for k in PUSH_KINDS if k in kinds]}},
    )
    return bool(result.matched_count)


async def forget_user(account_id: PydanticObjectId, user_id: PydanticObjectId) -> int:
    """Delete every device of the user and their queued pushes (deactivated or erased)."""
    scope = {"account_id": account_id, "user_id": user_id}
    await PushDelivery.get_pymongo_collection().delete_many(scope)
    result = await PushSubscription.get_pymongo_collection().delete_many(scope)
    return int(result.deleted_count)


async def receivers(
    account_id: PydanticObjectId, user_id: PydanticObjectId, kind: str
) -> list[PushSubscription]:
    """The user's devices that take pushes of ``kind`` (every device for a test push)."""
    query: dict[str, object] = {"account_id": account_id, "user_id": user_id}
    if kind != "test":
        query["kinds"] = kind
    return await PushSubscription.find(query).to_list()


async def accounts_with_devices_all_accounts() -> set[PydanticObjectId]:
    """The accounts where someone has a device: only their events are read for pushes."""
    found = await PushSubscription.get_pymongo_collection().distinct("account_id")
    return {PydanticObjectId(a) for a in found}


# --------------------------------------------------------------------------- pushes


async def queue(deliveries: list[PushDelivery]) -> int:
    """Store new pushes; returns how many were new (another process may have stored the
    rest from the same event, under the unique (device, event) key)."""
    if not deliveries:
        return 0
    try:
        result = await PushDelivery.insert_many(deliveries, ordered=False)
        return len(result.inserted_ids)
    except BulkWriteError as exc:
        return int(exc.details.get("nInserted", 0))


async def next_due_all_accounts() -> dt.datetime | None:
    """When the next push of any account is due (the worker's sleep)."""
    nxt = await PushDelivery.get_pymongo_collection().find_one(
        {"due": {"$type": "date"}}, {"due": 1}, sort=[("due", 1)], hint=DUE_INDEX
    )
    if nxt is None:
        return None
    due: dt.datetime = nxt["due"]
    return due


async def claim_due_all_accounts(owner: str, lease: dt.timedelta) -> PushDelivery | None:
    """Claim the most overdue push of any account: its ``due`` moves to the end of ``lease``
    under ``owner`` (a crashed worker's claim runs out and is taken again)."""
    at = now()
    doc = await PushDelivery.get_pymongo_collection().find_one_and_update(
        {"due": {"$type": "date", "$lte": at}},
        {"$set": {"due": at + lease, "owner": owner}, "$inc": {"attempts": 1}},
        sort=[("due", 1)],
        hint=DUE_INDEX,
        return_document=ReturnDocument.AFTER,
    )
    return None if doc is None else PushDelivery.model_validate(doc)


async def device_of(delivery: PushDelivery) -> PushSubscription | None:
    """The push's device, still the same user's in the same account (None once removed)."""
    return await PushSubscription.find_one(
        {
            "_id": delivery.subscription_id,
            "account_id": delivery.account_id,
            "user_id": delivery.user_id,
        }
    )


async def sent(delivery: PushDelivery, owner: str, used_at: dt.datetime | None) -> None:
    """A claimed push is done (sent, or given up): note when the device last took one, then
    delete the push (in that order: once the push is gone, the note is there)."""
    if used_at is not None:
        await PushSubscription.get_pymongo_collection().update_one(
            {"_id": delivery.subscription_id, "account_id": delivery.account_id},
            {"$set": {"last_used_at": used_at}},
        )
    await PushDelivery.get_pymongo_collection().delete_one(
        {"_id": delivery.id, "account_id": delivery.account_id, "owner": owner}
    )


async def retry(delivery: PushDelivery, owner: str, due: dt.datetime) -> None:
    """A claimed push failed for now: due again at ``due``."""
    await PushDelivery.get_pymongo_collection().update_one(
        {"_id": delivery.id, "account_id": delivery.account_id, "owner": owner},
        {"$set": {"due": due}, "$unset": {"owner": ""}},
    )


async def gone(delivery: PushDelivery) -> None:
    """The push service no longer knows the device (404/410): delete it and its pushes."""
    scope = {"account_id": delivery.account_id}
    await PushSubscription.get_pymongo_collection().delete_one(
        {"_id": delivery.subscription_id, **scope}
    )
    await PushDelivery.get_pymongo_collection().delete_many(
        {"subscription_id": delivery.subscription_id, **scope}
    )


async def stale_devices(account_id: PydanticObjectId, cutoff: dt.datetime, dry_run: bool) -> int:
    """Delete (or, in a dry run, count) the account's devices that took no push since
    ``cutoff`` and were added before it: the retention purge's rule for devices.

    One read of the account's devices (its (account, user) index; a user has few), the
    rule checked here: an ``$or`` in the filter made SecantusDB read every device."""
    collection = PushSubscription.get_pymongo_collection()
    found = collection.find({"account_id": account_id}, {"created_at": 1, "last_used_at": 1})
    ids = [d["_id"] async for d in found if _stale(d, cutoff)]
    if dry_run or not ids:
        return len(ids)
    await PushDelivery.get_pymongo_collection().delete_many(
        {"account_id": account_id, "subscription_id": {"$in": ids}}
    )
    result = await collection.delete_many({"account_id": account_id, "_id": {"$in": ids}})
    return int(result.deleted_count)


def _stale(device: dict[str, object], cutoff: dt.datetime) -> bool:
    """Added before ``cutoff`` and used never, or last before it."""
    created, used = device.get("created_at"), device.get("last_used_at")
    return _before(created, cutoff) and (used is None or _before(used, cutoff))


def _before(at: object, cutoff: dt.datetime) -> bool:
    if not isinstance(at, dt.datetime):
        return False
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)) < cutoff
