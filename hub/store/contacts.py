"""Tenant-scoped contacts: search, create, change, export and erase (with everything of theirs).

Every function takes the account id first; another account's contact is not found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.models import (
    AuditEvent,
    Contact,
    Conversation,
    IdempotencyRecord,
    Message,
    WebhookDelivery,
)
from hub.store import paging
from hub.store.conversations import InvalidChange, NotFound, oid
from hub.store.paging import page_of
from hub.store.search import terms_of

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

SEARCHED = ("name", "email", "phone", "primary_address")


class ContactExists(Exception):
    """Another contact of the account already has one of the addresses: answered 409."""

    status = 409
    code = "contact_exists"

    def __init__(self, message: str = "another contact of this account has that address") -> None:
        super().__init__(message)
        self.message = message


async def list_contacts(
    account_id: PydanticObjectId, search: str | None, limit: int, cursor: str | None
) -> tuple[list[Contact], str | None]:
    """The account's contacts, newest first; ``search`` matches name, email, phone or address."""
    keep = None
    if search:
        needle = search.casefold()

        def keep(doc: dict[str, Any]) -> bool:
            return any(needle in str(doc.get(f) or "").casefold() for f in SEARCHED)

    # (account_id, created_at) windows; a search filters what they read (no $or/$regex scan).
    return await page_of(Contact, {"account_id": account_id}, limit, cursor, keep=keep)


async def get_contact(account_id: PydanticObjectId, contact_id: str) -> Contact:
    found = await paging.model_by_id(Contact, account_id, oid(contact_id))
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
    collection = Contact.get_pymongo_collection()
    for address in addresses:  # exactly the (account_id, addresses) index, one by one
        async for doc in collection.find({"account_id": account_id, "addresses": address}):
            if doc["_id"] != own:
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
    contact.terms = terms_of(contact.name, *addresses)
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
    if "name" in changes or added:
        update["terms"] = terms_of(changes.get("name", contact.name), *contact.addresses, *added)
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
        .sort([("created_at", 1), ("_id", 1)])
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


async def erase_contact(hub: Hub, account_id: PydanticObjectId, contact_id: str) -> int:
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
