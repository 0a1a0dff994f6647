"""Merging two contacts who turned out to be one person.

Identities, conversations and attributes move to the contact that is kept; the
kept contact's own values win where both have one. When the merged contact is a VIP
(``hub.centre.changes.merge_contacts`` asks), ``mark_vip`` makes its open conversations
VIP (their place in the queue moves). The other contact is deleted
last, so a merge that is interrupted is finished by asking again.
"""

from __future__ import annotations

from dataclasses import dataclass

from beanie import PydanticObjectId

from hub.contract import now
from hub.models import Contact, Conversation
from hub.store.contacts import get_contact
from hub.store.conversations import InvalidChange


@dataclass(frozen=True)
class Merged:
    """The outcome: the kept contact and the conversations that moved to it."""

    contact: Contact
    moved_conversations: list[PydanticObjectId]
    other_name: str


async def merge_contacts(account_id: PydanticObjectId, keep_id: str, other_id: str) -> Merged:
    """Fold contact ``other_id`` into ``keep_id`` (both of ``account_id``; else NotFound)."""
    keep = await get_contact(account_id, keep_id)
    other = await get_contact(account_id, other_id)
    if keep.id == other.id:
        raise InvalidChange("same_contact", "a contact cannot be merged with itself")
    changes: dict[str, object] = {
        "name": keep.name or other.name,
        "email": keep.email or other.email,
        "phone": keep.phone or other.phone,
        "vip": keep.vip or other.vip,
        "attributes": {**other.attributes, **keep.attributes},
    }
    addresses = list(dict.fromkeys([*keep.addresses, *other.addresses]))
    terms = list(dict.fromkeys([*keep.terms, *other.terms]))  # both found the merged contact
    contacts = Contact.get_pymongo_collection()
    await contacts.update_one(
        {"_id": keep.id, "account_id": account_id},
        {"$set": {**changes, "addresses": addresses, "terms": terms}},
    )
    moved = [
        doc["_id"]
        async for doc in Conversation.get_pymongo_collection().find(
            {"account_id": account_id, "contact_id": other.id}, {"_id": 1}
        )
    ]
    if moved:
        await Conversation.get_pymongo_collection().update_many(
            {"account_id": account_id, "contact_id": other.id},
            {"$set": {"contact_id": keep.id, "contact_name": changes["name"]}},
        )
    await contacts.delete_one({"_id": other.id, "account_id": account_id})
    kept = await get_contact(account_id, str(keep.id))
    return Merged(kept, moved, other.name or other.primary_address)


async def mark_vip(account_id: PydanticObjectId, contact_id: PydanticObjectId) -> int:
    """Make the contact's open (not resolved) conversations VIP; how many changed."""
    result = await Conversation.get_pymongo_collection().update_many(
        {"account_id": account_id, "contact_id": contact_id, "status": {"$ne": "resolved"},
         "vip": {"$ne": True}},
        {"$set": {"vip": True, "updated_at": now()}},
    )  # fmt: skip
    return result.modified_count
