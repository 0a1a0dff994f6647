"""Tenant-scoped contacts: search, create, change, export and erase (with everything of theirs).

Every function takes the account id first; another account's contact is not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol, TypedDict

from beanie import PydanticObjectId
from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contract import Address, AddressKind, JsonValue, now
from hub.errors import ContactExists
from hub.models import (
    Actor,
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
from hub.store.terms import contact_terms

SEARCHED = ("name", "email", "phone", "primary_address")

#: What other parts keep about a contact, as (collection, field naming the contact):
#: exported and erased with the contact. A part that adds such a collection adds a line.
CONTACT_DATA: list[tuple[str, str]] = [
    ("callback_requests", "contact_id"),
    ("csat_answers", "contact_id"),
    ("lookup_results", "contact_id"),
    ("sla_records", "contact_id"),
]


class _Media(Protocol):
    async def delete(self, file_id: str) -> None: ...


class _WithMedia(Protocol):
    """What ``erase_contact`` needs of the hub: its media store."""

    @property
    def media(self) -> _Media: ...

    @property
    def database(self) -> Any: ...


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
        # The words search finds the contact by (``hub.store.search``): name and address.
        "terms": contact_terms(
            address.name,
            [address.key],
            address.value if kind.contact_field == "email" else None,
            address.value if kind.contact_field == "phone" else None,
        ),
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
            contact: Contact = Contact.model_validate(doc)
            return contact
    raise RuntimeError("contact upsert did not settle")


async def list_contacts(
    account_id: PydanticObjectId, search: str | None, limit: int, cursor: str | None
) -> tuple[list[Contact], str | None]:
    """The account's contacts, newest first; ``search`` matches name, email, phone or address."""
    keep = None
    if search:
        needle = search.casefold()

        def _keep(doc: dict[str, Any]) -> bool:
            return any(needle in str(doc.get(f) or "").casefold() for f in SEARCHED)

        keep = _keep

    # (account_id, created_at) windows; a search filters what they read (no $or/$regex scan).
    return await page_of(Contact, {"account_id": account_id}, limit, cursor, keep=keep)


async def get_contact(account_id: PydanticObjectId, contact_id: str | PydanticObjectId) -> Contact:
    found = await paging.model_by_id(Contact, account_id, oid(contact_id))
    if found is None:
        raise NotFound(str(contact_id))
    return found


def _text(value: object) -> str | None:
    return None if value is None else str(value)


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


async def create_contact(account_id: PydanticObjectId, fields: Mapping[str, object]) -> Contact:
    """A new contact from ``name``/``email``/``phone``/``vip``/``attributes``; 409-ish if taken."""
    addresses = _addresses(_text(fields.get("email")), _text(fields.get("phone")))
    if not addresses:
        raise InvalidChange("address_required", "a contact needs an email or a phone number")
    await _refuse_taken(account_id, addresses)
    contact = Contact(account_id=account_id, addresses=addresses, primary_address=addresses[0])
    for key, value in fields.items():
        setattr(contact, key, value)
    contact.terms = contact_terms(contact.name, addresses, contact.email, contact.phone)
    try:
        await contact.insert()
    except DuplicateKeyError:
        raise ContactExists() from None
    return contact


async def update_contact(
    account_id: PydanticObjectId, contact_id: str | PydanticObjectId, changes: Mapping[str, object]
) -> Contact:
    """Change name, vip, attributes; a new email or phone is added to the contact's addresses."""
    contact = await get_contact(account_id, contact_id)
    added = [
        a
        for a in _addresses(_text(changes.get("email")), _text(changes.get("phone")))
        if a not in contact.addresses
    ]
    await _refuse_taken(account_id, added, contact.id)
    update: dict[str, Any] = dict(changes)
    if "name" in changes or added:
        name = _text(changes["name"]) if "name" in changes else contact.name
        update["terms"] = contact_terms(
            name,
            [*contact.addresses, *added],
            _text(changes.get("email")) or contact.email,
            _text(changes.get("phone")) or contact.phone,
        )
    push = {"$addToSet": {"addresses": {"$each": added}}} if added else {}
    if update or push:
        await Contact.get_pymongo_collection().update_one(
            {"_id": contact.id, "account_id": account_id},
            {"$set": update, **push} if update else push,
        )
    return await get_contact(account_id, contact_id)


async def _conversations_of(contact: Contact) -> list[Conversation]:
    """Its conversations by id and by any of its addresses: two reads, each on its index
    (an ``$or`` of the two read every conversation; docs/indexes.md)."""
    found: dict[Any, Conversation] = {}
    for shape in ({"contact_id": contact.id}, {"contact_key": {"$in": contact.addresses}}):
        for conversation in await Conversation.find(
            {"account_id": contact.account_id, **shape}
        ).to_list():
            found.setdefault(conversation.id, conversation)
    return list(found.values())


def _naming(contact: Contact, field: str) -> dict[str, Any]:
    assert contact.id is not None
    return {"account_id": contact.account_id, field: {"$in": [contact.id, str(contact.id)]}}


def _plain(value: Any) -> Any:
    """A stored document as JSON: ids as text, times in ISO 8601."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


async def _related(hub_database: Any, contact: Contact) -> dict[str, list[dict[str, Any]]]:
    """The contact's records in every ``CONTACT_DATA`` collection that holds any."""
    found: dict[str, list[dict[str, Any]]] = {}
    for collection, field in CONTACT_DATA:
        docs = [_plain(d) async for d in hub_database[collection].find(_naming(contact, field))]
        if docs:
            found[collection] = docs
    return found


class ContactExport(TypedDict):
    """Everything stored about a contact (``export_contact``)."""

    contact: Contact
    conversations: list[Conversation]
    messages: list[Message]
    #: The contact's records in other collections, by collection, as plain JSON values.
    related: dict[str, list[dict[str, JsonValue]]]


async def export_contact(
    account_id: PydanticObjectId, contact_id: str | PydanticObjectId
) -> ContactExport:
    """Everything stored about a contact: the contact, its conversations and their messages,
    and its records in the ``CONTACT_DATA`` collections (callbacks, CSAT answers, look-ups…)."""
    contact = await get_contact(account_id, contact_id)
    conversations = await _conversations_of(contact)
    messages = (
        await Message.find(
            {"account_id": account_id, "conversation_id": {"$in": [c.id for c in conversations]}}
        )
        .sort("+created_at", "+_id")
        .to_list()
    )
    related = await _related(Contact.get_pymongo_collection().database, contact)
    counts = {k: len(v) for k, v in related.items()}
    await AuditEvent(
        account_id=account_id,
        actor="api",
        action="contact.exported",
        target=str(contact.id),
        details={"conversations": len(conversations), "messages": len(messages), **counts},
    ).insert()
    return {
        "contact": contact,
        "conversations": conversations,
        "messages": messages,
        "related": related,
    }


async def _forget_answers(account_id: PydanticObjectId, ids: list[Any]) -> None:
    """Drop kept Idempotency-Key answers that mention the contact or its conversations."""
    if ids:
        pattern = "|".join(str(i) for i in ids)
        await IdempotencyRecord.get_pymongo_collection().delete_many(
            {"account_id": account_id, "body": {"$regex": pattern}}
        )


async def erase_contact(
    hub: _WithMedia, account_id: PydanticObjectId, contact_id: str | PydanticObjectId
) -> int:
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
    related = {}
    for collection, field in CONTACT_DATA:
        result = await hub.database[collection].delete_many(_naming(contact, field))
        if result.deleted_count:
            related[collection] = result.deleted_count
    await Conversation.get_pymongo_collection().delete_many(
        {"account_id": account_id, "_id": {"$in": conversation_ids}}
    )
    await Contact.get_pymongo_collection().delete_one({"_id": contact.id, "account_id": account_id})
    await AuditEvent(
        account_id=account_id,
        actor=Actor(type="api_key", name="API"),
        action="contact.erased",
        target=str(contact.id),
        details={"conversations": len(conversation_ids), "messages": erased, **related},
    ).insert()
    return erased


# ---- added by widget
#: A value of a contact's free-form attribute as a page may set it.
AttributeValue = str | int | float | bool


async def contact_by_address(account_id: PydanticObjectId, address_key: str) -> Contact | None:
    """The account's contact with this address key (``visitor:anon:…``), if there is one."""
    return await Contact.find_one({"account_id": account_id, "addresses": address_key})


async def set_contact_fields(
    account_id: PydanticObjectId,
    contact_id: PydanticObjectId,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    attributes: dict[str, AttributeValue] | None = None,
) -> None:
    """Set the given fields (those not None) and attributes of a contact, in one write;
    nothing is written when nothing is given."""
    changes: dict[str, object] = {
        field: value
        for field, value in (("name", name), ("email", email), ("phone", phone))
        if value is not None
    }
    changes.update({f"attributes.{key}": value for key, value in (attributes or {}).items()})
    # The new name's words and addresses become search terms in the same write.
    terms = contact_terms(name, [], email, phone)
    add = {"$addToSet": {"terms": {"$each": terms}}} if terms else {}
    if changes:
        await Contact.get_pymongo_collection().update_one(
            {"_id": contact_id, "account_id": account_id}, {"$set": changes, **add}
        )


# ---- added by rules


async def contact_is_vip(account_id: PydanticObjectId, contact_id: PydanticObjectId) -> bool:
    """Whether the account's contact is marked VIP (an ``_id`` look-up of one field)."""
    doc = await paging.by_id(Contact.get_pymongo_collection(), account_id, contact_id, {"vip": 1})
    return bool((doc or {}).get("vip"))


# ---- added by routing


async def vip_contact_ids(
    account_id: PydanticObjectId, ids: list[PydanticObjectId]
) -> set[PydanticObjectId]:
    """Which of these contacts of the account are marked VIP (an ``_id`` ``$in`` look-up)."""
    found = await Contact.find(
        {"_id": {"$in": ids}, "account_id": account_id, "vip": True}
    ).to_list()
    return {c.id for c in found if c.id is not None}
