"""Number look-up: the directory's answers kept per phone number, and naming a contact by one."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import Contact, Conversation, NumberLookup


async def cached_lookup(account_id: PydanticObjectId, phone: str) -> NumberLookup | None:
    """The kept answer for ``phone``, if it was asked before."""
    return await NumberLookup.find_one(
        NumberLookup.account_id == account_id, NumberLookup.phone == phone
    )


async def keep_lookup(entry: NumberLookup) -> None:
    """Keep an answer; another process asking at the same moment keeps its own (as good)."""
    with contextlib.suppress(DuplicateKeyError):
        await entry.insert()


async def name_contact(
    account_id: PydanticObjectId,
    contact_id: PydanticObjectId,
    name: str,
    address: str | None,
    at: dt.datetime,
) -> bool:
    """Name a still unnamed contact from the directory, and its unnamed conversations.

    True when the contact was named (it had no name yet).
    """
    update: dict[str, Any] = {
        "name": name,
        "attributes.lookup": {"source": "directory", "at": at},
    }
    if address:
        update["attributes.address"] = address
    named = await Contact.get_pymongo_collection().update_one(
        {"_id": contact_id, "account_id": account_id, "name": None}, {"$set": update}
    )
    if named.modified_count:
        await Conversation.get_pymongo_collection().update_many(
            {"account_id": account_id, "contact_id": contact_id, "contact_name": None},
            {"$set": {"contact_name": name}},
        )
    return bool(named.modified_count)
