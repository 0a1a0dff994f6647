"""Tenant-scoped contacts: search, create, change, export and erase (with everything of theirs).

Every function takes the account id first; another account's contact is not found.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contract import Address, AddressKind, now
from hub.errors import ContactExists
from hub.models import (
    AuditEvent,
    Contact,
    Conversation,
    IdempotencyRecord,
    Message,
    WebhookDelivery,
)
from hub.store.conversations import InvalidChange, NotFound, oid
from hub.store.paging import page_of

SEARCHED = ("name", "email", "phone", "primary_address")


class _Media(Protocol):
    async def delete(self, file_id: str) -> None: ...


class _WithMedia(Protocol):
    """What ``erase_contact`` needs of the hub: its media store."""

    @property
    def media(self) -> _Media: ...


async def find_or_create_contact(account_id: PydanticObjectId, address: Address) -> Contact:
    """The account's contact with ``address``, created on first sight (one atomic upsert).

    The public way to a contact by address: ingest, the API's first message and the
    widget's visitor all come through here.
    """
    kind = AddressKind.named(address.kind)
    on_insert: dict[str, Any] = {
        "account_id": account_id,
        "addresses": [address.key],
        "primary_address": address.key,
        "created_at": now(),
        "vip": False,
        "attributes": {},
        "name": address.name,
        "email": address.value if kind.contact_field == "email" else None,
        "phone": address.value if kind.contact_field == "phone" else None,
    }
    collection = Contact.get_pymongo_collection()
    # Plain equality matches an element of the array; SecantusDB's planner uses the
    # (account_id, addresses) index for it but scanned every contact for $elemMatch.
    # On insert, $setOnInsert replaces the seeded scalar with the array.
    query = {"account_id": account_id, "addresses": address.key}
    for _ in range(3):
        try:
            doc = await collection.find_one_and_update(
                query,
                {"$setOnInsert": on_insert},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            continue
        if doc is None:  # a racing upsert answered without the document: read it back
            doc = await collection.find_one(query)
        if doc is not None:
            return Contact.model_validate(doc)
    raise RuntimeError("contact upsert did not settle")


async def list_contacts(
    account_id: PydanticObjectId, search: str | None, limit: int, cursor: str | None
) -> tuple[list[Contact], str | None]:
    """The account's contacts, newest first; ``search`` matches name, email, phone or address."""
    query: dict[str, Any] = {"account_id": account_id}
    if search:
        pattern = {"$regex": re.escape(search), "$options": "i"}
        query["$and"] = [{"$or": [{f: pattern} for f in SEARCHED]}]
    return await page_of(Contact, query, limit, cursor)


async def get_contact(account_id: PydanticObjectId, contact_id: str) -> Contact:
    found = await Contact.find_one(Contact.id == oid(contact_id), Contact.account_id == account_id)
    if found is None:
        raise NotFound(contact_id)
    return found


def _addresses(email: str | None, phone: str | None) -> list[str]:
    found = []
    if phone:
        found.append(f"phone:{phone}")
    if email:
        found.append(f"email:{email.lower()}")
    return found


async def _refuse_taken(
    account_id: PydanticObjectId, addresses: list[str], own: PydanticObjectId | None = None
) -> None:
    query: dict[str, Any] = {"account_id": account_id, "addresses": {"$in": addresses}}
    if own is not None:
        query["_id"] = {"$ne": own}
    if addresses and await Contact.get_pymongo_collection().find_one(query, {"_id": 1}):
        raise ContactExists()


async def create_contact(account_id: PydanticObjectId, fields: dict[str, Any]) -> Contact:
    """A new contact from ``name``/``email``/``phone``/``vip``/``attributes``; 409-ish if taken."""
    addresses = _addresses(fields.get("email"), fields.get("phone"))
    if not addresses:
        raise InvalidChange("address_required", "a contact needs an email or a phone number")
    await _refuse_taken(account_id, addresses)
    contact = Contact(account_id=account_id, addresses=addresses, primary_address=addresses[0])
    for key, value in fields.items():
        setattr(contact, key, value)
    try:
        await contact.insert()
    except DuplicateKeyError:
        raise ContactExists() from None
    return contact


async def update_contact(
    account_id: PydanticObjectId, contact_id: str, changes: dict[str, Any]
) -> Contact:
    """Change name, vip, attributes; a new email or phone is added to the contact's addresses."""
    contact = await get_contact(account_id, contact_id)
    added = [
        a
        for a in _addresses(changes.get("email"), changes.get("phone"))
        if a not in contact.addresses
    ]
    await _refuse_taken(account_id, added, contact.id)
    update: dict[str, Any] = dict(changes)
    push = {"$addToSet": {"addresses": {"$each": added}}} if added else {}
    if update or push:
        await Contact.get_pymongo_collection().update_one(
            {"_id": contact.id, "account_id": account_id},
            {"$set": update, **push} if update else push,
        )
    return await get_contact(account_id, contact_id)


async def _conversations_of(contact: Contact) -> list[Conversation]:
    return await Conversation.find(
        {
            "account_id": contact.account_id,
            "$or": [{"contact_id": contact.id}, {"contact_key": {"$in": contact.addresses}}],
        }
    ).to_list()


async def export_contact(account_id: PydanticObjectId, contact_id: str) -> dict[str, Any]:
    """Everything stored about a contact: the contact, its conversations and their messages."""
    contact = await get_contact(account_id, contact_id)
    conversations = await _conversations_of(contact)
    messages = (
        await Message.find(
            {"account_id": account_id, "conversation_id": {"$in": [c.id for c in conversations]}}
        )
        .sort("+created_at", "+_id")
        .to_list()
    )
    return {"contact": contact, "conversations": conversations, "messages": messages}


async def _forget_answers(account_id: PydanticObjectId, ids: list[Any]) -> None:
    """Drop kept Idempotency-Key answers that mention the contact or its conversations."""
    if ids:
        pattern = "|".join(str(i) for i in ids)
        await IdempotencyRecord.get_pymongo_collection().delete_many(
            {"account_id": account_id, "body": {"$regex": pattern}}
        )


async def erase_contact(hub: _WithMedia, account_id: PydanticObjectId, contact_id: str) -> int:
    """Erase a contact: conversations, messages, attachments, webhook payloads, kept answers.

    The contact goes last, so an interrupted erasure is finished by asking again.
    Returns how many messages were erased.
    """
    contact = await get_contact(account_id, contact_id)
    conversation_ids = [c.id for c in await _conversations_of(contact)]
    scope = {"account_id": account_id, "conversation_id": {"$in": conversation_ids}}
    messages = Message.get_pymongo_collection()
    async for doc in messages.find(scope, {"attachments": 1}):
        for attachment in doc.get("attachments") or []:
            await hub.media.delete(attachment["id"])
    erased = (await messages.delete_many(scope)).deleted_count
    await WebhookDelivery.get_pymongo_collection().delete_many(scope)
    await _forget_answers(account_id, [contact.id, *conversation_ids])
    await Conversation.get_pymongo_collection().delete_many(
        {"account_id": account_id, "_id": {"$in": conversation_ids}}
    )
    await Contact.get_pymongo_collection().delete_one({"_id": contact.id, "account_id": account_id})
    await AuditEvent(
        account_id=account_id,
        actor="api",
        action="contact.erased",
        target=str(contact.id),
        details={"conversations": len(conversation_ids), "messages": erased},
    ).insert()
    return erased
