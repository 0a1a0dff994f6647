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
from typing import Any, Protocol

from beanie import PydanticObjectId
from beanie.odm.utils.dump import get_dict
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from hub.contract import Address, Attachment, InboundMessage, WebhookResult, now
from hub.facts import handling
from hub.models import Contact, Conversation, Message, Sender
from hub.models.conversation import CURRENT_THREAD
from hub.pipeline import delivery
from hub.pipeline.batch import InsertBatcher
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.media import MediaStore
from hub.pipeline.metrics import Metrics
from hub.pipeline.rules import ConversationRules, Route
from hub.store import paging
from hub.store.contacts import find_or_create_contact as contact_for_address

log = logging.getLogger(__name__)

PREVIEW_LENGTH = 140
#: What the conversation upsert reads back: its id, and whether it waits in a queue again.
TOUCHED = {"_id": 1, "assignee_id": 1, "queued_at": 1, "open_token": 1, "team_id": 1}


class IngestServices(Protocol):
    """What ingest needs of the hub: where media goes and what it counts."""

    @property
    def media(self) -> MediaStore: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def rules(self) -> ConversationRules: ...

    @property
    def message_inserts(self) -> InsertBatcher: ...


@dataclass
class Receipt:
    """What ``receive`` stored: new messages, duplicates skipped, statuses applied."""

    messages: list[Message] = field(default_factory=list)
    duplicates: int = 0
    statuses_applied: int = 0
    new_conversations: list[PydanticObjectId] = field(default_factory=list)
    #: Conversations reopened without an assignee: they wait in their queue again.
    requeued: list[PydanticObjectId] = field(default_factory=list)


async def receive(hub: IngestServices, channel: ResolvedChannel, result: WebhookResult) -> Receipt:
    """Store every event of ``result`` for ``channel``; returns once all are written."""
    receipt = Receipt()
    for inbound in result.messages:
        message, conversation_created, requeued = await receive_message(hub, channel, inbound)
        if message is None:
            receipt.duplicates += 1
            continue
        receipt.messages.append(message)
        await hub.rules.after_inbound(channel, message, conversation_created)
        if conversation_created:
            receipt.new_conversations.append(message.conversation_id)
        elif requeued:
            receipt.requeued.append(message.conversation_id)
    for status in result.statuses:
        if await delivery.apply_status(channel.account_id, channel.id, status):
            receipt.statuses_applied += 1
    hub.metrics.messages_in.inc(len(receipt.messages))
    await hub.rules.after_receive(channel, receipt)  # routing, out of office, look-ups
    return receipt


async def receive_message(
    hub: IngestServices, channel: ResolvedChannel, inbound: InboundMessage
) -> tuple[Message | None, bool, bool]:
    """Store one inbound message. Returns (message, conversation created, back in a queue);
    the message is None for a duplicate."""
    if inbound.attachments and await _known(channel, inbound.provider_message_id):
        return None, False, False  # a retry: do not fetch its media again
    attachments = await _store_attachments(hub, channel, inbound)
    at = inbound.sent_at or now()
    taken, answer = await hub.rules.take_answer(channel, inbound, at)  # a survey answer
    if taken:  # stored with its conversation, and opens nothing
        return answer, False, False
    thread_key = await _thread_key(channel, inbound)
    conversation, created, opening, requeued = await _touch_conversation(
        hub, channel, inbound, thread_key, at
    )
    if created:
        await _attach_contact(hub, channel, conversation, inbound)
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
        return None, False, False
    if opening is not None:
        await handling.opened(channel.account_id, conversation, at=at, channel_id=str(channel.id), reopened=not created, team_id=opening.get("team_id"))  # fmt: skip
    return message, created, requeued


async def _insert_grouped(hub: IngestServices, message: Message) -> None:
    """Insert with concurrent messages in one ``insert_many`` (``hub.pipeline.batch``);
    returns once this one is durable, raises ``DuplicateKeyError`` for a known id."""
    message.id = PydanticObjectId()
    await hub.message_inserts.insert(get_dict(message, to_db=True))


async def _numbered_choice(
    hub: IngestServices, channel: ResolvedChannel, conversation_id: PydanticObjectId, text: str
) -> str | None:
    """The payload of option N when a contact answers "N" to quick replies shown as text.

    Channels without buttons get quick replies as a numbered list (``hub.pipeline.outbox``);
    this is the other half of that one fallback.
    """
    choice = text.strip().rstrip(".)")
    if not choice.isdigit() or len(choice) > 2:
        return None
    if channel.capabilities.quick_replies:
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
    channel: ResolvedChannel, provider_message_id: str, direction: str | None = None
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


async def _known(channel: ResolvedChannel, provider_message_id: str) -> bool:
    return bool(await _by_provider_id(channel, provider_message_id))


async def _store_attachments(
    hub: IngestServices, channel: ResolvedChannel, inbound: InboundMessage
) -> list[Attachment]:
    """Keep the message's media; one that cannot be fetched is noted, not fatal."""
    stored: list[Attachment] = []
    limit = channel.capabilities.max_media_bytes
    for item in inbound.attachments:
        data = item.data
        try:
            if data is None and item.url:
                data = await channel.connector.fetch_media(channel.info, item.url, limit)
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


async def _thread_key(channel: ResolvedChannel, inbound: InboundMessage) -> str:
    """``current`` for chat channels; for threaded ones the root of the thread it joins."""
    if not channel.threaded:
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
    channel: ResolvedChannel,
    inbound: InboundMessage,
    at: dt.datetime,
    new_id: PydanticObjectId,
    route: Route,
    token: str = "",
) -> list[dict[str, Any]]:
    """The update pipeline that records an inbound message on its conversation.

    New: opened with ``route``. Resolved or snoozed: reopened. Either way the
    unread count, waiting time and last-message fields move. An opening (new or
    reopened) stores ``token`` in ``open_token``, so the caller can tell it opened it,
    and starts the opening's facts (``opened_at``; no first response yet).
    """
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
        # The queue (hub.centre.routing.queues): waiting for a person since; in this team since.
        "queued_at": {"$cond": [reopen, at, keep("queued_at", at)]},
        "team_since": {"$cond": [reopen, at, keep("team_since", at)]},
        "snoozed_until": {"$cond": [reopen, None, keep("snoozed_until", None)]},
        "open_token": {"$cond": [reopen, token, keep("open_token", token)]},
        "opened_at": {"$cond": [reopen, at, keep("opened_at", at)]},
        "first_response_at": {"$cond": [reopen, None, keep("first_response_at", None)]},
        "first_response_seconds": {"$cond": [reopen, None, keep("first_response_seconds", None)]},
        "resolution_seconds": {"$cond": [reopen, None, keep("resolution_seconds", None)]},
        "messages_in": {"$add": [keep("messages_in", 0), 1]},
        "unread": {"$add": [keep("unread", 0), 1]},
        "waiting_since": keep("waiting_since", at),
        "last_message_at": {"$max": [keep("last_message_at", at), at]},
        "last_inbound_at": {"$max": [keep("last_inbound_at", at), at]},
        "last_message_preview": preview,
        "updated_at": now(),
    }
    recipient = inbound.metadata.get("to")
    if isinstance(recipient, str) and recipient:
        stage["business_address"] = recipient  # replies leave from the number written to
    if inbound.sender.name:
        stage["contact_name"] = inbound.sender.name
    else:
        stage["contact_name"] = keep("contact_name", None)
    return [{"$set": stage}]


async def _touch_conversation(
    hub: IngestServices,
    channel: ResolvedChannel,
    inbound: InboundMessage,
    thread_key: str,
    at: dt.datetime,
) -> tuple[PydanticObjectId, bool, dict[str, Any] | None, bool]:
    """Upsert the conversation; returns its id, whether this call created it, — when this
    call opened or reopened it — the document's routing fields (else None), and whether it
    was reopened without an assignee (so it waits in its queue again).

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
        token = str(PydanticObjectId())
        try:
            doc = await collection.find_one_and_update(
                key,
                _touch_pipeline(
                    channel, inbound, at, new_id, hub.rules.route(channel.document), token
                ),
                upsert=True,
                return_document=ReturnDocument.AFTER,
                projection=TOUCHED,
            )
        except DuplicateKeyError:
            continue  # a concurrent first message created it: update that one
        if doc is None:  # applied, but not returned (a racing upsert): read it back
            doc = await collection.find_one(key, TOUCHED)
        if doc is not None:
            created = doc["_id"] == new_id
            opening = doc if doc.get("open_token") == token else None
            # Reopened now (queued_at moved to this message) and nobody holds it: it waits.
            queued = doc.get("queued_at")
            again = queued is not None and abs(queued - at) < dt.timedelta(milliseconds=1)
            requeued = not created and doc.get("assignee_id") is None and again
            return doc["_id"], created, opening, requeued
    raise RuntimeError("conversation upsert did not settle")


async def _undo_touch(channel: ResolvedChannel, conversation_id: PydanticObjectId) -> None:
    """A duplicate delivery lost the insert race: take back its unread count.

    (A duplicate that arrives after the conversation was resolved also reopened
    it; that is left as is: the agent sees the conversation again, nothing is lost.)
    """
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": channel.account_id}, {"$inc": {"unread": -1}}
    )


async def _attach_contact(
    hub: IngestServices,
    channel: ResolvedChannel,
    conversation_id: PydanticObjectId,
    inbound: InboundMessage,
) -> None:
    """Find or create the contact of a new conversation and link it."""
    contact = await find_or_create_contact(channel.account_id, inbound)
    update: dict[str, Any] = {"contact_id": contact.id}
    if not inbound.sender.name and contact.name:
        update["contact_name"] = contact.name
    if await hub.rules.is_vip(channel.account_id, contact, inbound.sender.key):
        update["vip"] = True
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": channel.account_id}, {"$set": update}
    )


async def find_or_create_contact(account_id: PydanticObjectId, inbound: InboundMessage) -> Contact:
    """The account's contact with the sender's address, created on first sight."""
    return await contact_for_address(account_id, inbound.sender)


async def running_conversation(channel: ResolvedChannel, address: Address) -> Conversation | None:
    """The channel's running conversation with ``address``, if one exists (never creates one).

    Threaded channels (email) start a new thread for every business-side message: None.
    """
    if channel.threaded:
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
    hub: IngestServices, channel: ResolvedChannel, address: Address
) -> tuple[Conversation, bool]:
    """The conversation a business-side message to ``address`` on ``channel`` goes into.

    For the API's first message to a contact: no inbound message exists, so the
    contact is found or created by address and the channel's running conversation
    continued, or a new one opened with routing (never a bot: the business speaks
    first). On threaded channels (email) every such message starts its own thread.
    Returns (conversation, created).
    """
    contact = await contact_for_address(channel.account_id, address)
    threaded = channel.threaded
    new_id = PydanticObjectId()
    key = {
        "account_id": channel.account_id,
        "channel_id": channel.id,
        "contact_key": address.key,
        "thread_key": f"out:{new_id}" if threaded else CURRENT_THREAD,
    }
    at = now()
    route = hub.rules.route(channel.document)
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
        "priority": "normal",
        "vip": await hub.rules.is_vip(channel.account_id, contact, address.key),
        "unread": 0,
        "last_message_at": at,
        "last_message_preview": "",
        "updated_at": at,
        # Opened here; the customer's first answer is not a reopening.
        "open_token": "business",
    }
    collection = Conversation.get_pymongo_collection()
    for _ in range(3):
        try:
            await collection.update_one(key, {"$setOnInsert": on_insert}, upsert=True)
        except DuplicateKeyError:
            continue  # a concurrent first message created it
        doc = await collection.find_one(key)
        if doc is not None:
            if doc["_id"] == new_id:
                await handling.opened(channel.account_id, new_id, at=at, channel_id=str(channel.id), reopened=False, team_id=route.team_id)  # fmt: skip
            return Conversation.model_validate(doc), doc["_id"] == new_id
    raise RuntimeError("conversation upsert did not settle")
