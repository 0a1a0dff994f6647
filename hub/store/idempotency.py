"""``Idempotency-Key`` records: the first request with a key takes it, repeats read its answer.

A record's id is ``<account id>:<key>`` (unique), so taking a key is one insert and a
repeat is one look-up by ``_id``; a TTL index forgets records after a day.
"""

from __future__ import annotations

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import IdempotencyRecord

__all__ = ["find", "forget", "record_id", "remember", "take"]


def record_id(account_id: PydanticObjectId, key: str) -> str:
    return f"{account_id}:{key}"


async def take(
    account_id: PydanticObjectId, key: str, fingerprint: str
) -> IdempotencyRecord | None:
    """Take ``key`` for a request (its answer not yet known); None when the key is taken."""
    record = IdempotencyRecord(
        id=record_id(account_id, key), account_id=account_id, fingerprint=fingerprint
    )
    try:
        await record.insert()
    except DuplicateKeyError:
        return None
    return record


async def find(account_id: PydanticObjectId, key: str) -> IdempotencyRecord | None:
    """The record of ``key`` in the account (None when it expired)."""
    return await IdempotencyRecord.get(record_id(account_id, key))


async def forget(record: IdempotencyRecord) -> None:
    """Drop a record, so the key may be used again (its request failed or was refused)."""
    await record.delete()


async def remember(record: IdempotencyRecord, status_code: int, body: str) -> None:
    """Keep the answer of the record's request for its repeats."""
    await IdempotencyRecord.get_pymongo_collection().update_one(
        {"_id": record.id}, {"$set": {"status_code": status_code, "body": body}}
    )
