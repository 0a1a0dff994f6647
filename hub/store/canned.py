"""Canned answers (``/shortcut`` → text), per account."""

from __future__ import annotations

import re

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.errors import Conflict, NotFound
from hub.models import CannedResponse

# ---- added by views


async def list_canned(account_id: PydanticObjectId) -> list[CannedResponse]:
    """The account's canned answers, by shortcut."""
    return (
        await CannedResponse.find(CannedResponse.account_id == account_id)
        .sort("shortcut")
        .to_list()
    )


async def canned_starting_with(
    account_id: PydanticObjectId, prefix: str, limit: int = 8
) -> list[CannedResponse]:
    """Canned answers whose shortcut starts with ``prefix`` (any case), by shortcut."""
    pattern = {"$regex": "^" + re.escape(prefix), "$options": "i"}
    return (
        await CannedResponse.find({"account_id": account_id, "shortcut": pattern})
        .sort("shortcut")
        .limit(limit)
        .to_list()
    )


async def canned_for_any(
    account_id: PydanticObjectId, prefixes: list[str]
) -> CannedResponse | None:
    """One canned answer whose shortcut starts with any of ``prefixes`` (any case), or None."""
    if not prefixes:
        return None
    # One pattern with alternatives, not an ``$or`` of patterns (that read every account's
    # canned answers; docs/indexes.md).
    either = "|".join(re.escape(p) for p in prefixes)
    pattern = {"$regex": f"^(?:{either})", "$options": "i"}
    found = (
        await CannedResponse.find({"account_id": account_id, "shortcut": pattern})
        .sort("shortcut")
        .limit(1)
        .to_list()
    )
    return found[0] if found else None


async def create_canned(account_id: PydanticObjectId, shortcut: str, text: str) -> CannedResponse:
    """Store a canned answer; ``Conflict`` when the account has that shortcut already."""
    canned = CannedResponse(account_id=account_id, shortcut=shortcut, text=text)
    try:
        await canned.insert()
    except DuplicateKeyError:
        raise Conflict("canned_exists", f"/{shortcut} exists already") from None
    return canned


async def delete_canned(account_id: PydanticObjectId, canned_id: PydanticObjectId) -> None:
    """Delete the account's canned answer; ``NotFound`` for another id."""
    found = await CannedResponse.find_one(
        CannedResponse.id == canned_id, CannedResponse.account_id == account_id
    )
    if found is None:
        raise NotFound(str(canned_id))
    await found.delete()


def _taken(shortcut: str) -> Conflict:
    return Conflict("exists", f"/{shortcut} exists already.")


async def get_canned(
    account_id: PydanticObjectId, item_id: PydanticObjectId
) -> CannedResponse | None:
    return await CannedResponse.find_one(
        CannedResponse.id == item_id, CannedResponse.account_id == account_id
    )


async def insert_canned(account_id: PydanticObjectId, shortcut: str, text: str) -> CannedResponse:
    """A new canned answer; ``Conflict`` (``exists``) when the shortcut is taken."""
    try:
        return await CannedResponse(account_id=account_id, shortcut=shortcut, text=text).insert()
    except DuplicateKeyError:
        raise _taken(shortcut) from None


async def update_canned(
    account_id: PydanticObjectId, item_id: PydanticObjectId, shortcut: str, text: str
) -> None:
    """Change a canned answer; ``Conflict`` (``exists``) when the new shortcut is taken."""
    try:
        await CannedResponse.get_pymongo_collection().update_one(
            {"_id": item_id, "account_id": account_id},
            {"$set": {"shortcut": shortcut, "text": text}},
        )
    except DuplicateKeyError:
        raise _taken(shortcut) from None


async def discard_canned(account_id: PydanticObjectId, item_id: PydanticObjectId) -> None:
    """Delete the account's canned answer in one write (the caller has read it)."""
    await CannedResponse.get_pymongo_collection().delete_one(
        {"_id": item_id, "account_id": account_id}
    )
