"""Ingest: the one pipeline every inbound event of every channel goes through.

``receive`` stores what a connector parsed: each message idempotently on
(channel, provider message id), its contact found or created by address, its
conversation found, reopened or opened (with routing for a new one); each
status update moves a message's delivery forward only. It returns once every
event is durably written, so the caller may answer the provider 2xx.

A steady-state inbound message costs two database writes: one atomic
conversation upsert (an update pipeline holding the open/reopen rules) and the
message insert. A new conversation adds the contact upsert and one update.
A conversation resolved long ago is not reopened: ``hub.pipeline.housekeeping`` retires
it first, so the next message opens a new one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId
from beanie.odm.utils.dump import get_dict
from pymongo.errors import DuplicateKeyError

from hub.centre.routing import priority_for, route_new_conversation
from hub.contract import (
    DELIVERY_RANK,
    Address,
    Attachment,
    InboundMessage,
    StatusUpdate,
    WebhookResult,
    now,
)
from hub.models import Channel, Contact, Conversation, EarlyStatus, Message, Sender, SendError
from hub.models.conversation import CURRENT_THREAD
from hub.store import paging
from hub.store.search import terms_of

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)

PREVIEW_LENGTH = 140


@dataclass
class Receipt:
    """What ``receive`` stored: new messages, duplicates skipped, statuses applied."""

    messages: list[Message] = field(default_factory=list)
    duplicates: int = 0
    statuses_applied: int = 0
    new_conversations: list[PydanticObjectId] = field(default_factory=list)


async def receive(hub: Hub, channel: Channel, result: WebhookResult) -> Receipt:
    """Store every event of ``result`` for ``channel``; returns once all are written."""
    receipt = Receipt()
    for inbound in result.messages:
        message, conversation_created = await receive_message(hub, channel, inbound)
        if message is None:
            receipt.duplicates += 1
            continue
        receipt.messages.append(message)
        if conversation_created:
            receipt.new_conversations.append(message.conversation_id)
    for status in result.statuses:
        if await apply_status(channel, status):
            receipt.statuses_applied += 1
    hub.metrics.messages_in.inc(len(receipt.messages))
    return receipt


async def receive_message(
    hub: Hub, channel: Channel, inbound: InboundMessage
) -> tuple[Message | None, bool]:
    """Store one inbound message. Returns (message, conversation created); None if a duplicate."""
    assert channel.id is not None
    if inbound.attachments and await _known(channel, inbound.provider_message_id):
        return None, False  # a retry: do not fetch its media again
    attachments = await _store_attachments(hub, channel, inbound)
    at = inbound.sent_at or now()
    thread_key = await _thread_key(channel, inbound, hub)
    conversation, created = await _touch_conversation(hub, channel, inbound, thread_key, at)
    if created:
        await _attach_contact(channel, conversation, inbound)
    payload = inbound.payload
    if payload is None and not created:
        payload = await _numbered_choice(hub, channel, conversation, inbound.text)
    message = Message(
        account_id=channel.account_id,
        conversation_id=conversation,
        channel_id=channel.id,
        direction="in",
        text=inbound.text,
        html=inbound.html,
        subject=inbound.subject,
        attachments=attachments,
        sender=Sender(type="contact", name=inbound.sender.name),
        payload=payload,
        location=inbound.location,
        reply_to=inbound.reply_to,
        thread_refs=inbound.thread_refs,
        automated=inbound.automated,
        delivery="received",
        provider_message_id=inbound.provider_message_id,
        metadata={**inbound.metadata, "from": inbound.sender.value},
        created_at=at,
    )
    try:
        await _insert_grouped(hub, message)
    except DuplicateKeyError:
        await _undo_touch(channel, conversation)
        return None, False
    return message, created


async def _insert_grouped(hub: Hub, message: Message) -> None:
    """Insert with concurrent messages in one ``insert_many`` (``hub.pipeline.batch``);
    returns once this one is durable, raises ``DuplicateKeyError`` for a known id."""
    message.id = PydanticObjectId()
    await hub.message_inserts.insert(get_dict(message, to_db=True))


async def _numbered_choice(
    hub: Hub, channel: Channel, conversation_id: PydanticObjectId, text: str
) -> str | None:
    """The payload of option N when a contact answers "N" to quick replies shown as text.

    Channels without buttons get quick replies as a numbered list (``hub.pipeline.outbox``);
    this is the other half of that one fallback.
    """
    choice = text.strip().rstrip(".)")
    if not choice.isdigit() or len(choice) > 2:
        return None
    info = hub.channel_info(channel)
    if hub.registry.get(channel.type).capabilities_for(info).quick_replies:
        return None
    last = await Message.get_pymongo_collection().find_one(
        {
            "account_id": channel.account_id,
            "conversation_id": conversation_id,
            "direction": "out",
            "private": False,
        },
        {"quick_replies": 1},
        sort=[("created_at", -1)],
    )
    options = (last or {}).get("quick_replies") or []
    index = int(choice) - 1
    return str(options[index]["payload"]) if 0 <= index < len(options) else None


async def _by_provider_id(
    channel: Channel, provider_message_id: str, direction: str | None = None
) -> list[dict[str, Any]]:
    """The channel's messages with this provider id: exactly the (channel_id,
    provider_message_id) index, the account and direction checked on the documents."""
    docs = Message.get_pymongo_collection().find(
        {"channel_id": channel.id, "provider_message_id": provider_message_id},
        {"account_id": 1, "direction": 1},
    )
    return [
        d
        async for d in docs
        if d["account_id"] == channel.account_id and direction in (None, d["direction"])
    ]


async def _known(channel: Channel, provider_message_id: str) -> bool:
    return bool(await _by_provider_id(channel, provider_message_id))


async def _store_attachments(
    hub: Hub, channel: Channel, inbound: InboundMessage
) -> list[Attachment]:
    """Keep the message's media; one that cannot be fetched is noted, not fatal."""
    stored: list[Attachment] = []
    connector = hub.registry.get(channel.type)
    limit = connector.capabilities.max_media_bytes
    info = hub.channel_info(channel)
    for item in inbound.attachments:
        data = item.data
        try:
            if data is None and item.url:
                data = await connector.fetch_media(info, item.url, limit)
        except Exception as exc:  # the provider's side failed; keep the message
            log.warning("media of %s not fetched: %s", inbound.provider_message_id, exc)
            inbound.metadata.setdefault("media_errors", []).append(
                {"url": item.url, "error": str(exc)[:300]}
            )
            continue
        if data is None:
            continue
        if len(data) > limit:
            inbound.metadata.setdefault("media_errors", []).append(
                {"filename": item.filename, "error": f"larger than {limit} bytes"}
            )
            continue
        stored.append(
            await hub.media.put(
                channel.account_id, data, item.filename, item.content_type, item.content_id
            )
        )
    return stored


async def _thread_key(channel: Channel, inbound: InboundMessage, hub: Hub) -> str:
    """``current`` for chat channels; for threaded ones the root of the thread it joins."""
    if hub.registry.get(channel.type).capabilities.threading == "contact":
        return CURRENT_THREAD
    if inbound.thread_refs:
        found = await Message.get_pymongo_collection().find_one(
            {"account_id": channel.account_id, "provider_message_id": {"$in": inbound.thread_refs}},
            {"conversation_id": 1},
        )
        if found is not None:
            conv = await paging.by_id(
                Conversation.get_pymongo_collection(),
                channel.account_id,
                found["conversation_id"],
                {"thread_key": 1, "contact_key": 1},
            )
            if conv is not None and conv["contact_key"] == inbound.sender.key:
                return str(conv["thread_key"])
    return inbound.provider_message_id


def _touch_pipeline(
    channel: Channel, inbound: InboundMessage, at: dt.datetime, new_id: PydanticObjectId
) -> list[dict[str, Any]]:
    """The update pipeline that records an inbound message on its conversation.

    New: opened with routing. Resolved or snoozed: reopened. Either way the
    unread count, waiting time and last-message fields move.
    """
    route = route_new_conversation(channel)
    preview = (inbound.text or inbound.subject or "")[:PREVIEW_LENGTH]
    if not preview and inbound.attachments:
        preview = "[attachment]"

    def keep(name: str, default: Any) -> dict[str, Any]:
        return {"$ifNull": [f"${name}", default]}

    reopen = {"$in": [keep("status", "open"), ["resolved", "snoozed"]]}
    stage: dict[str, Any] = {
        "_id": keep("_id", new_id),
        "created_at": keep("created_at", at),
        "channel_type": channel.type,
        "handler": keep("handler", route.handler),
        "bot_id": keep("bot_id", route.bot_id),
        "team_id": keep("team_id", route.team_id),
        "assignee_id": keep("assignee_id", None),
        "labels": keep("labels", []),
        "priority": keep("priority", "normal"),
        "subject": keep("subject", inbound.subject),
        "status": {"$cond": [reopen, "open", keep("status", "open")]},
        "resolved_at": {"$cond": [reopen, None, keep("resolved_at", None)]},
        "snoozed_until": {"$cond": [reopen, None, keep("snoozed_until", None)]},
        "unread": {"$add": [keep("unread", 0), 1]},
        "waiting_since": keep("waiting_since", at),
        "last_message_at": {"$max": [keep("last_message_at", at), at]},
        "last_inbound_at": {"$max": [keep("last_inbound_at", at), at]},
        "last_message_preview": preview,
        "updated_at": now(),
    }
    if inbound.sender.name:
        stage["contact_name"] = inbound.sender.name
    else:
        stage["contact_name"] = keep("contact_name", None)
    return [{"$set": stage}]


async def _touch_conversation(
    hub: Hub, channel: Channel, inbound: InboundMessage, thread_key: str, at: dt.datetime
) -> tuple[PydanticObjectId, bool]:
    """Upsert the conversation; returns its id and whether this call created it.

    ``update_one`` (not ``find_one_and_update``, whose cost grew with the collection
    on SecantusDB: ~70 ms at 6,000 documents against ~1 ms): creation is told by the
    upserted id, an existing conversation's id is read back through the same unique key.
    """
    key = {
        "account_id": channel.account_id,
        "channel_id": channel.id,
        "contact_key": inbound.sender.key,
        "thread_key": thread_key,
    }
    collection = Conversation.get_pymongo_collection()
    for _ in range(3):
        new_id = PydanticObjectId()
        try:
            result = await collection.update_one(
                key, _touch_pipeline(channel, inbound, at, new_id), upsert=True
            )
        except DuplicateKeyError:
            continue  # a concurrent first message created it: update that one
        if result.upserted_id is not None:
            return result.upserted_id, result.upserted_id == new_id
        doc = await collection.find_one(key, {"_id": 1})
        if doc is not None:
            return doc["_id"], doc["_id"] == new_id
    raise RuntimeError("conversation upsert did not settle")


async def _undo_touch(channel: Channel, conversation_id: PydanticObjectId) -> None:
    """A duplicate delivery lost the insert race: take back its unread count.

    (A duplicate that arrives after the conversation was resolved also reopened
    it; that is left as is: the agent sees the conversation again, nothing is lost.)
    """
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": channel.account_id}, {"$inc": {"unread": -1}}
    )


async def _attach_contact(
    channel: Channel, conversation_id: PydanticObjectId, inbound: InboundMessage
) -> None:
    """Find or create the contact of a new conversation and link it."""
    contact = await find_or_create_contact(channel.account_id, inbound)
    update: dict[str, Any] = {"contact_id": contact.id}
    if not inbound.sender.name and contact.name:
        update["contact_name"] = contact.name
    priority = priority_for(contact)
    if priority:
        update["priority"] = priority
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": channel.account_id}, {"$set": update}
    )


async def find_or_create_contact(account_id: PydanticObjectId, inbound: InboundMessage) -> Contact:
    """The account's contact with the sender's address, created on first sight."""
    return await contact_for_address(account_id, inbound.sender)


async def contact_for_address(account_id: PydanticObjectId, address: Address) -> Contact:
    """The account's contact with ``address``, created on first sight."""
    on_insert: dict[str, Any] = {
        "account_id": account_id,
        "addresses": [address.key],
        "primary_address": address.key,
        "created_at": now(),
        "vip": False,
        "attributes": {},
        "name": address.name,
        "email": address.value if address.kind == "email" else None,
        "phone": address.value if address.kind == "phone" else None,
        "terms": terms_of(address.name, address.value),
    }
    collection = Contact.get_pymongo_collection()
    # Plain equality matches an element of the array; SecantusDB's planner uses the
    # (account_id, addresses) index for it but scanned every contact for $elemMatch.
    # On insert, $setOnInsert replaces the seeded scalar with the array.
    query = {"account_id": account_id, "addresses": address.key}
    for _ in range(3):
        try:  # update_one + find_one: see _touch_conversation on find_one_and_update
            await collection.update_one(query, {"$setOnInsert": on_insert}, upsert=True)
        except DuplicateKeyError:
            continue
        doc = await collection.find_one(query)
        if doc is not None:
            return Contact.model_validate(doc)
    raise RuntimeError("contact upsert did not settle")


async def running_conversation(hub: Hub, channel: Channel, address: Address) -> Conversation | None:
    """The channel's running conversation with ``address``, if one exists (never creates one).

    Threaded channels (email) start a new thread for every business-side message: None.
    """
    if hub.registry.get(channel.type).capabilities.threading == "thread":
        return None
    return await Conversation.find_one(
        {
            "account_id": channel.account_id,
            "channel_id": channel.id,
            "contact_key": address.key,
            "thread_key": CURRENT_THREAD,
        }
    )


async def open_conversation(
    hub: Hub, channel: Channel, address: Address
) -> tuple[Conversation, bool]:
    """The conversation a business-side message to ``address`` on ``channel`` goes into.

    For the API's first message to a contact: no inbound message exists, so the
    contact is found or created by address and the channel's running conversation
    continued, or a new one opened with routing (never a bot: the business speaks
    first). On threaded channels (email) every such message starts its own thread.
    Returns (conversation, created).
    """
    assert channel.id is not None
    contact = await contact_for_address(channel.account_id, address)
    threaded = hub.registry.get(channel.type).capabilities.threading == "thread"
    new_id = PydanticObjectId()
    key = {
        "account_id": channel.account_id,
        "channel_id": channel.id,
        "contact_key": address.key,
        "thread_key": f"out:{new_id}" if threaded else CURRENT_THREAD,
    }
    at = now()
    route = route_new_conversation(channel)
    on_insert: dict[str, Any] = {
        "_id": new_id,
        "created_at": at,
        "channel_type": channel.type,
        "contact_id": contact.id,
        "contact_name": contact.name,
        "status": "open",
        "handler": "human",
        "team_id": route.team_id,
        "labels": [],
        "priority": priority_for(contact) or "normal",
        "unread": 0,
        "last_message_at": at,
        "last_message_preview": "",
        "updated_at": at,
    }
    collection = Conversation.get_pymongo_collection()
    for _ in range(3):
        try:
            await collection.update_one(key, {"$setOnInsert": on_insert}, upsert=True)
        except DuplicateKeyError:
            continue  # a concurrent first message created it
        doc = await collection.find_one(key)
        if doc is not None:
            return Conversation.model_validate(doc), doc["_id"] == new_id
    raise RuntimeError("conversation upsert did not settle")


# --------------------------------------------------------------------------- statuses


async def apply_status(channel: Channel, status: StatusUpdate) -> bool:
    """Move a sent message's delivery forward; never backward. Early reports are kept."""
    rank = DELIVERY_RANK[status.status]
    update: dict[str, Any] = {"delivery": status.status, "delivery_rank": rank, "updated_at": now()}
    if status.error_code or status.status in ("failed", "undelivered"):
        update["error"] = SendError(
            code=status.error_code or status.status,
            message=status.error_message or f"the provider reported {status.status}",
        ).model_dump()
    found = await _by_provider_id(channel, status.provider_message_id, "out")
    collection = Message.get_pymongo_collection()
    for doc in found[:1]:  # updates by _id: the index look-up, then the rank condition
        mine = {"_id": doc["_id"]}
        if status.metadata:  # facts, not states: kept even when the state does not move
            facts = {f"metadata.{k}": v for k, v in status.metadata.items()}
            await collection.update_one(mine, {"$set": facts})
        result = await collection.update_one(
            {**mine, "delivery_rank": {"$lt": rank}},
            {"$set": update, "$unset": {"outbox_due": "", "outbox_owner": ""}},
        )
        return bool(result.modified_count)
    if not await _known(channel, status.provider_message_id):
        # The report beat the send call's answer: keep it for the dispatcher to apply.
        await EarlyStatus(
            account_id=channel.account_id,
            channel_id=channel.id,  # type: ignore[arg-type]
            provider_message_id=status.provider_message_id,
            status=status.status,
            error=SendError(**update["error"]) if "error" in update else None,
            metadata=status.metadata,
        ).insert()
    return False
