"""Canned answers (``canned_responses``): an account's saved replies, one per shortcut."""

from __future__ import annotations

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.errors import Conflict
from hub.models import CannedResponse


def _taken(shortcut: str) -> Conflict:
    return Conflict("exists", f"/{shortcut} exists already.")


async def list_canned(account_id: PydanticObjectId) -> list[CannedResponse]:
    """The account's canned answers by shortcut."""
    return (
        await CannedResponse.find(CannedResponse.account_id == account_id)
        .sort("shortcut")
        .to_list()
    )


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


async def delete_canned(account_id: PydanticObjectId, item_id: PydanticObjectId) -> None:
    await CannedResponse.get_pymongo_collection().delete_one(
        {"_id": item_id, "account_id": account_id}
    )
