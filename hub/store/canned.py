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
