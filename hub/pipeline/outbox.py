"""The outbox: every outbound message is stored first, then sent by a dispatcher.

``enqueue`` is the only way anything leaves the hub: it checks the channel's
rules (reply window, length), writes the message with ``delivery: queued`` and
a due time, and returns. The ``Dispatcher`` in each ``parley serve`` claims due
messages atomically — the claim moves ``outbox_due`` to the end of a lease, so
a message whose sender died becomes due again when the lease runs out —
calls ``connector.send``, and records the result. It wakes at once on new work
from the change stream and sleeps until the next retry otherwise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.contract import (
    DELIVERY_RANK,
    Address,
    Attachment,
    OutboundMessage,
    PermanentSendError,
    QuickReply,
    RetryableSendError,
    now,
    render_quick_replies_as_text,
)
from hub.errors import (
    ChannelInactive,
    Conflict,
    HubError,
    IdempotencyConflict,
    InvalidInput,
    OutsideReplyWindow,
    Refused,
)
from hub.facts import handling
from hub.models import Conversation, Message, Sender
from hub.pipeline import delivery, senders
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.claims import ClaimLoop
from hub.pipeline.realtime import Event
from hub.store import paging

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
IDLE_POLL = 5.0
#: The partial index of pending work. Named in every outbox query: SecantusDB's planner
#: does not pick a partial index by itself and scanned every message instead.
DUE_INDEX = [("outbox_due", 1)]


#: Kept for callers that catch every refusal of ``enqueue``: the hub's typed errors.
OutboxError = HubError


async def enqueue(
    hub: Hub,
    conversation: Conversation,
    *,
    text: str = "",
    sender: Sender,
    attachments: list[Attachment] | None = None,
    private: bool = False,
    whisper: bool = False,
    template: dict[str, Any] | None = None,
    quick_replies: list[QuickReply] | None = None,
    subject: str | None = None,
    html: str | None = None,
    metadata: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    from_address: str | None = None,
) -> Message:
    """Store a reply in ``conversation`` (queued for sending, or a private note).

    Raises a ``hub.errors`` error (nothing stored) when the channel's rules refuse it.
    ``whisper`` makes it a private note that only the conversation's assignee (kept as
    ``metadata.whisper_to``) and supervisors or admins see. ``from_address`` picks one of
    the channel's senders (``hub.pipeline.senders``); without it a reply leaves from the
    number the customer wrote to (``UnknownSender`` for a number the channel lacks).
    """
    if whisper:
        private = True
        metadata = {**(metadata or {}), "whisper_to": conversation.assignee_id}
    channel = await hub.channels.resolve(conversation.channel_id)
    if channel is None or channel.account_id != conversation.account_id:
        raise ChannelInactive("the conversation's channel is not active")
    if not private:
        check_channel_rules(
            channel, conversation.last_inbound_at, text, template, attachments or []
        )
    sent_from = None if private else senders.choose(channel.document, conversation, from_address)
    at = now()
    message = Message(
        account_id=conversation.account_id,
        conversation_id=conversation.id,
        channel_id=channel.id,
        direction="out",
        text=text,
        html=html,
        subject=subject,
        attachments=attachments or [],
        sender=sender,
        private=private,
        visibility="whisper" if whisper else ("note" if private else "public"),
        template=template,
        quick_replies=quick_replies or [],
        **delivery.initial(private),
        metadata=metadata or {},
        idempotency_key=idempotency_key,
        from_address=sent_from,
        outbox_due=None if private else at,
        created_at=at,
        updated_at=at,
    )
    try:
        await message.insert()
    except DuplicateKeyError:
        return await _replay(conversation.account_id, idempotency_key, message)
    if not private:
        # The facts first: the conversation's change (below) wakes the wallboard, which
        # then reads today's counters.
        await handling.replied(conversation, message)
        await _mark_answered(conversation, message, at)
    if not private and sender.type == "agent":  # a person's public reply
        await hub.rules.after_reply(conversation, message)  # SLA clocks
    return message


def check_channel_rules(
    channel: ResolvedChannel,
    last_inbound_at: dt.datetime | None,
    text: str,
    template: dict[str, Any] | None,
    attachments: list[Attachment],
) -> None:
    """Refuse what the channel cannot carry, or may not carry now (its reply window).

    Raises before anything is stored. Callers about to create a conversation check
    first, so a refused message leaves no empty conversation or contact behind.
    """
    caps = channel.capabilities
    if template is None and not text.strip() and not attachments:
        raise InvalidInput(
            "empty_message", "a reply needs text, attachments or a template", field="text"
        )
    if template is not None and not caps.templates:
        raise Refused("templates_unsupported", f"{channel.type} channels have no templates")
    if attachments and not caps.media:
        raise Refused("media_unsupported", f"{channel.type} channels cannot carry attachments")
    if caps.max_text_length is not None and len(text) > caps.max_text_length:
        raise InvalidInput(
            "text_too_long",
            f"{channel.type} messages hold at most {caps.max_text_length} characters",
            field="text",
        )
    if caps.reply_window is not None and template is None:
        last = last_inbound_at
        if last is None or now() - last > caps.reply_window:
            names = [t["name"] for t in channel.connector.templates(channel.info)]
            offer = ", ".join(names) if names else "none is set up on this channel"
            raise OutsideReplyWindow(
                "the customer last wrote more than "
                f"{int(caps.reply_window.total_seconds() // 3600)} hours ago: "
                f"send a template ({offer})"
            )


async def _replay(
    account_id: PydanticObjectId, idempotency_key: str | None, attempted: Message
) -> Message:
    """The message an earlier request with the same Idempotency-Key stored."""
    existing = await Message.find_one(
        Message.account_id == account_id, Message.idempotency_key == idempotency_key
    )
    if existing is None:
        raise Conflict("conflict", "the message could not be stored; try again")
    same = (existing.conversation_id, existing.text, existing.template, existing.private) == (
        attempted.conversation_id,
        attempted.text,
        attempted.template,
        attempted.private,
    )
    if not same:
        raise IdempotencyConflict("this Idempotency-Key was used with another body")
    return existing


async def _mark_answered(conversation: Conversation, message: Message, at: dt.datetime) -> None:
    preview = (message.text or message.subject or "[attachment]")[:140]
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": conversation.account_id},
        {
            "$set": {"last_message_at": at, "last_message_preview": preview, "updated_at": at},
            "$unset": {"waiting_since": ""},
            "$inc": {"messages_out": 1},
        },
    )


#: ``hub.pipeline.delivery.requeue``, where the delivery states live.
requeue = delivery.requeue


# --------------------------------------------------------------------------- dispatcher


#: Sends in flight per process, and per channel (a provider's rate limit: one slow or
#: limited provider holds at most this many of the process's sends).
CONCURRENCY = 32
PER_CHANNEL = 8
#: Seconds a read of the due index is claimed from before it is read again.
CANDIDATES_FRESH = 1.0


class Dispatcher(ClaimLoop[Message]):
    """Claims due outbound messages in batches and sends them concurrently, at most
    ``per_channel`` at once per channel; one per ``parley serve`` process."""

    name = "dispatcher"

    def __init__(
        self, hub: Hub, concurrency: int = CONCURRENCY, per_channel: int = PER_CHANNEL
    ) -> None:
        super().__init__(concurrency)
        self.hub = hub
        self.per_channel = per_channel
        self.lease = dt.timedelta(seconds=hub.settings.outbox_lease_seconds)
        self._busy: Counter[PydanticObjectId] = Counter()
        self._held_back = False
        #: Due messages read from the index (or seen arriving), claimed from in order.
        self._candidates: list[dict[str, Any]] = []
        self._read_at = 0.0
        self._sub = hub.realtime.subscribe(None, self._is_new_work)

    def _is_new_work(self, event: Event) -> bool:
        data = event.data
        if event.type.startswith("message.") and data.get("outbox_due") is not None:
            if data.get("delivery_rank", 0) < DELIVERY_RANK["sending"]:
                fields = ("_id", "outbox_due", "channel_id", "delivery_rank")
                self._candidates.append({k: data.get(k) for k in fields})
            self._wake.set()
        return False

    async def stop(self) -> None:
        self.hub.realtime.unsubscribe(self._sub)
        await super().stop()

    def idle_poll(self) -> float:
        return IDLE_POLL

    async def next_due(self) -> dt.datetime | None:
        if self._held_back:  # due work waits for a busy channel: a finished send wakes us
            return None
        nxt = await Message.get_pymongo_collection().find_one(
            {"outbox_due": {"$type": "date"}},
            {"outbox_due": 1},
            sort=[("outbox_due", 1)],
            hint=DUE_INDEX,
        )
        return None if nxt is None else nxt["outbox_due"]

    async def claim(self) -> Message | None:
        """Take one due message for this dispatcher, for the length of the lease."""
        found = await self.claim_many(1)
        return found[0] if found else None

    async def claim_many(self, room: int) -> list[Message]:
        """Claim up to ``room`` due messages: one read of the due index, then a
        compare-and-set ``update_one`` by ``_id`` per message (``find_one_and_update``
        cost grew with the collection on SecantusDB). Channels at ``per_channel`` sends
        are skipped, so their messages stay due for this or another process."""
        at = now()
        collection = Message.get_pymongo_collection()
        await self._refresh(collection, at)
        self._held_back = False
        claimed: list[Any] = []
        kept: list[dict[str, Any]] = []
        for doc in self._candidates:
            if doc["outbox_due"] > at or doc.get("delivery_rank", 0) > DELIVERY_RANK["sending"]:
                continue  # not due (a later retry) or done meanwhile: the next read shows it
            if len(claimed) >= room or self._busy[doc["channel_id"]] >= self.per_channel:
                self._held_back = self._held_back or len(claimed) < room
                kept.append(doc)
                continue
            if await self._take(collection, doc, at):
                self._busy[doc["channel_id"]] += 1
                claimed.append(doc["_id"])
        self._candidates = kept
        return await self._claimed(collection, claimed, at)

    async def _refresh(self, collection: Any, at: dt.datetime) -> None:
        """Read the due index when the known candidates ran out or are a second old, so a
        backlog costs one read a second, not one per send (a taken one fails its
        compare-and-set harmlessly). New work arrives through ``_is_new_work``."""
        if self._candidates and time.monotonic() - self._read_at < CANDIDATES_FRESH:
            return
        due = collection.find(
            {"outbox_due": {"$type": "date", "$lte": at}},
            {"outbox_due": 1, "channel_id": 1, "delivery_rank": 1},
            hint=DUE_INDEX,
        )
        self._candidates = sorted([d async for d in due], key=lambda d: d["outbox_due"])
        self._read_at = time.monotonic()

    async def _take(self, collection: Any, doc: dict[str, Any], at: dt.datetime) -> bool:
        result = await collection.update_one(
            {"_id": doc["_id"], "outbox_due": doc["outbox_due"]},
            {
                "$set": {
                    "outbox_due": at + self.lease,
                    "outbox_owner": self.owner,
                    "delivery": "sending",
                    "delivery_rank": DELIVERY_RANK["sending"],
                    "updated_at": at,
                },
                "$inc": {"attempts": 1},
            },
        )
        return bool(result.modified_count)

    async def _claimed(self, collection: Any, ids: list[Any], at: dt.datetime) -> list[Message]:
        if not ids:
            return []
        docs = [d async for d in collection.find({"_id": {"$in": ids}})]
        messages = [Message.model_validate(d) for d in docs]
        for message in messages:
            if message.attempts == 1:
                self.hub.metrics.dispatcher_lag.set((at - message.created_at).total_seconds())
        return messages

    async def process(self, message: Message) -> None:
        """Send one claimed message and record the outcome; frees its channel's slot."""
        try:
            await self._process(message)
        finally:
            self._busy[message.channel_id] -= 1
            if self._busy[message.channel_id] <= 0:
                del self._busy[message.channel_id]
            if self._held_back:  # a channel's slot opened for work that waits for it
                self._wake.set()

    async def _process(self, message: Message) -> None:
        try:
            outbound, channel = await self._outbound(message)
            timeout = self.lease.total_seconds() * 0.8
            result = await asyncio.wait_for(channel.connector.send(channel.info, outbound), timeout)
        except PermanentSendError as exc:
            await self._fail(message, exc.code, exc.message)
        except RetryableSendError as exc:
            await self._retry(message, exc.code, exc.message, exc.retry_after)
        except TimeoutError:
            await self._retry(message, "timeout", "the provider did not answer in time", None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a connector bug must not kill the dispatcher
            log.exception("send of %s failed", message.id)
            await self._retry(message, "internal_error", str(exc)[:300] or type(exc).__name__, None)
        else:
            await delivery.sent(
                message, self.owner, result.provider_message_id, result.status, result.metadata
            )
            self.hub.metrics.messages_out.inc()

    async def _outbound(self, message: Message) -> tuple[OutboundMessage, ResolvedChannel]:
        channel = await self.hub.channels.resolve(message.channel_id)
        if channel is None:
            raise PermanentSendError("channel_inactive", "the channel was removed or deactivated")
        conversation = await paging.model_by_id(
            Conversation, message.account_id, message.conversation_id
        )
        if conversation is None:
            raise PermanentSendError("conversation_gone", "the conversation no longer exists")
        refs = await _thread_refs(message) if channel.threaded else []
        text, quick_replies = message.text, message.quick_replies
        if quick_replies and not channel.capabilities.quick_replies:
            # The one text fallback for every channel without buttons; ingest maps "2" back.
            text, quick_replies = render_quick_replies_as_text(text, quick_replies), []
        outbound = OutboundMessage(
            id=str(message.id),
            conversation_id=str(message.conversation_id),
            to=Address.from_key(conversation.contact_key),
            text=text,
            html=message.html,
            subject=message.subject or conversation.subject,
            attachments=message.attachments,
            quick_replies=quick_replies,
            template=message.template,
            reply_to=refs[-1] if refs else None,
            thread_refs=refs,
            last_inbound_at=conversation.last_inbound_at,
            status_callback_url=channel.info.webhook_url,
            metadata=message.metadata,
            from_address=message.from_address,
        )
        return outbound, channel

    async def _fail(self, message: Message, code: str, text: str) -> None:
        self.hub.metrics.send_failures.labels(kind="permanent").inc()
        await delivery.failed(message, self.owner, code, text)

    async def _retry(self, message: Message, code: str, text: str, after: float | None) -> None:
        if message.attempts >= self.hub.settings.outbox_max_attempts:
            await self._fail(message, code, f"{text} (gave up after {message.attempts} attempts)")
            return
        self.hub.metrics.send_failures.labels(kind="retryable").inc()
        base = self.hub.settings.outbox_base_backoff
        await delivery.retry(
            message, self.owner, code, text, delivery.backoff(message.attempts, base, after)
        )


async def _thread_refs(message: Message) -> list[str]:
    """Provider ids of the conversation's earlier messages, oldest first (email threading)."""
    docs = Message.get_pymongo_collection().find(
        {
            "account_id": message.account_id,
            "conversation_id": message.conversation_id,
            "provider_message_id": {"$type": "string"},
            "created_at": {"$lt": message.created_at},
        },
        {"provider_message_id": 1},
        sort=[("created_at", 1)],
        limit=50,
    )
    return [d["provider_message_id"] async for d in docs]
