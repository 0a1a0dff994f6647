"""Ingest: the one pipeline every inbound event of every channel goes through.

``receive`` stores what a connector parsed: each message idempotently on
(channel, provider message id), its contact found or created by address, its
conversation found, reopened or opened (with routing for a new one); each
status update moves a message's delivery forward only. It returns once every
event is durably written, so the caller may answer the provider 2xx.

A steady-state inbound message costs one read and two writes: the contact's
conversation read once (``hub.store.threads.current``: the survey-answer test and
the touch share it), the conversation write (an update pipeline holding the
open/reopen rules, ``hub.store.threads.touch``: a guarded ``update_one`` of the
conversation as read, or an upsert that creates it) and the message insert. A new
conversation adds the contact upsert and one update. A conversation resolved long ago is not reopened:
``hub.pipeline.housekeeping`` retires it first, so the next message opens a new one.
The business's own first message to a contact opens its conversation through
``hub.pipeline.first_message`` (``open_conversation``, named here too).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Protocol

from beanie import PydanticObjectId

from hub.contract import Attachment, InboundMessage, WebhookResult, now
from hub.facts import handling
from hub.models import Contact, Message, Sender
from hub.models.conversation import CURRENT_THREAD
from hub.pipeline import delivery
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.first_message import open_conversation, running_conversation
from hub.pipeline.metrics import Metrics
from hub.pipeline.rules import ConversationRules
from hub.store import messages, threads
from hub.store.batch import InsertBatcher
from hub.store.contacts import find_or_create_contact as contact_for_address
from hub.store.errors import Duplicate
from hub.store.media import MediaStore
from hub.store.status_batch import StatusBatcher

__all__ = [
    "IngestServices",
    "Receipt",
    "find_or_create_contact",
    "open_conversation",
    "receive",
    "receive_message",
    "running_conversation",
]

log = logging.getLogger(__name__)

PREVIEW_LENGTH = 140


class IngestServices(Protocol):
    """What ingest needs of the hub: where media goes and what it counts."""

    @property
    def media(self) -> MediaStore: ...

    @property
    def metrics(self) -> Metrics: ...

    @property
    def rules(self) -> ConversationRules: ...

    @property
    def message_inserts(self) -> InsertBatcher[Message]: ...

    @property
    def status_updates(self) -> StatusBatcher: ...


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
        stored = await _receive_message(hub, channel, inbound)
        message, conversation_created, requeued, first = stored[:4]
        if message is None:
            receipt.duplicates += 1
            continue
        receipt.messages.append(message)
        await hub.rules.after_inbound(channel, message, first, clocked=stored[4])
        if conversation_created:
            receipt.new_conversations.append(message.conversation_id)
        elif requeued:
            receipt.requeued.append(message.conversation_id)
    if result.statuses:
        receipt.statuses_applied = await delivery.apply_statuses(
            hub.status_updates, channel.account_id, channel.id, result.statuses
        )
    hub.metrics.messages_in.inc(len(receipt.messages))
    await hub.rules.after_receive(channel, receipt)  # routing, out of office, look-ups
    return receipt


async def receive_message(
    hub: IngestServices, channel: ResolvedChannel, inbound: InboundMessage
) -> tuple[Message | None, bool, bool, bool]:
    """Store one inbound message. Returns (message, conversation created, back in a queue,
    the customer's first opening of it: created, or opened by the business before); the
    message is None for a duplicate."""
    return (await _receive_message(hub, channel, inbound))[:4]


async def _receive_message(
    hub: IngestServices, channel: ResolvedChannel, inbound: InboundMessage
) -> tuple[Message | None, bool, bool, bool, bool]:
    """``receive_message``, and whether the conversation had SLA clocks before it."""
    if inbound.attachments and await _known(channel, inbound.provider_message_id):
        return None, False, False, False, True  # a retry: do not fetch its media again
    attachments = await _store_attachments(hub, channel, inbound)
    at = inbound.sent_at or now()
    # A chat channel's message joins the contact's current conversation: read it once,
    # for the survey answer's test and for the touch (``hub.store.threads.current``).
    before = None
    if not channel.threaded:
        before = await threads.current(
            threads.ThreadKey(channel.account_id, channel.id, inbound.sender.key)
        )
    taken, answer = await hub.rules.take_answer(channel, inbound, at, before)  # a survey answer
    if taken:  # stored with its conversation, and opens nothing
        return answer, False, False, False, True
    thread_key = await _thread_key(channel, inbound)
    touched = await _touch_conversation(hub, channel, inbound, thread_key, at, before)
    conversation, created, requeued = touched.id, touched.created, touched.requeued
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
        # With concurrent messages in one ``insert_many`` (``hub.store.batch``): returns
        # once this one is durable; ``Duplicate`` for a provider id already stored.
        await hub.message_inserts.insert(message)
    except Duplicate:
        # A duplicate delivery lost the insert race: take back its unread count. (One
        # that arrives after the conversation was resolved also reopened it; that is
        # left as is: the agent sees the conversation again, nothing is lost.)
        await threads.undo_touch(channel.account_id, conversation)
        return None, False, False, False, True
    if touched.opened:
        await handling.opened(channel.account_id, conversation, at=at, channel_id=str(channel.id), reopened=not touched.first, team_id=touched.team_id)  # fmt: skip
    return message, created, requeued, touched.first, touched.clocked


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
    payloads = await messages.last_quick_replies(channel.account_id, conversation_id)
    index = int(choice) - 1
    return payloads[index] if 0 <= index < len(payloads) else None


async def _known(channel: ResolvedChannel, provider_message_id: str) -> bool:
    return await messages.known_provider_id(channel.account_id, channel.id, provider_message_id)


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
        found = await messages.conversation_of_provider_ids(channel.account_id, inbound.thread_refs)
        if found is not None:
            thread = await threads.thread_of(channel.account_id, found)
            if thread is not None and thread[1] == inbound.sender.key:
                return thread[0]
    return inbound.provider_message_id


def _arrival(
    hub: IngestServices, channel: ResolvedChannel, inbound: InboundMessage, at: dt.datetime
) -> threads.Arrival:
    """The inbound message as its conversation records it, with the route of an opening."""
    preview = (inbound.text or inbound.subject or "")[:PREVIEW_LENGTH]
    if not preview and inbound.attachments:
        preview = "[attachment]"
    recipient = inbound.metadata.get("to")
    route = hub.rules.route(channel.document)
    return threads.Arrival(
        at=at,
        channel_type=channel.type,
        preview=preview,
        subject=inbound.subject,
        business_address=recipient if isinstance(recipient, str) and recipient else None,
        contact_name=inbound.sender.name or None,
        handler=route.handler,
        bot_id=route.bot_id,
        team_id=route.team_id,
    )


async def _touch_conversation(
    hub: IngestServices,
    channel: ResolvedChannel,
    inbound: InboundMessage,
    thread_key: str,
    at: dt.datetime,
    before: threads.Before | None = None,
) -> threads.Touched:
    """Record the message on its conversation (``hub.store.threads.touch``): one atomic
    write that creates, reopens or updates it, and answers whether this call created
    it, opened or reopened it (its team then), whether it waits in its queue again
    (reopened without an assignee), and whether it had SLA clocks. ``before``: the
    conversation as read just now (a stale read costs the touch a second read)."""
    key = threads.ThreadKey(channel.account_id, channel.id, inbound.sender.key, thread_key)
    return await threads.touch(key, _arrival(hub, channel, inbound, at), before)


async def _attach_contact(
    hub: IngestServices,
    channel: ResolvedChannel,
    conversation_id: PydanticObjectId,
    inbound: InboundMessage,
) -> None:
    """Find or create the contact of a new conversation and link it."""
    contact = await find_or_create_contact(channel.account_id, inbound)
    assert contact.id is not None
    name = contact.name if not inbound.sender.name and contact.name else None
    vip = await hub.rules.is_vip(channel.account_id, contact, inbound.sender.key)
    await threads.attach_contact(
        channel.account_id, conversation_id, contact.id, contact_name=name, vip=vip
    )


async def find_or_create_contact(account_id: PydanticObjectId, inbound: InboundMessage) -> Contact:
    """The account's contact with the sender's address, created on first sight."""
    return await contact_for_address(account_id, inbound.sender)
