"""The dispatcher: claims due outbound messages and sends them, one per ``parley serve``.

A claim moves ``outbox_due`` to the end of a lease (``hub.store.outbox``), so a message
whose sender died becomes due again when the lease runs out. The dispatcher calls
``connector.send`` and records the outcome (``hub.pipeline.delivery``). It wakes at once
on new work from the change stream and sleeps until the next retry otherwise.

A reply stored by this process skips the claim: ``hub.pipeline.outbox.enqueue`` asks the
running dispatcher for a slot (``reserve``: within the per-channel and per-process
bounds), stores the message already leased to it (``outbox_owner``, ``outbox_due`` =
the lease's end, ``attempts`` 1) and hands it over (``hand``), which starts its send at
once: no claim write, no read of the message or its conversation, no wait for the change
stream. Without a slot the message is stored due now and claimed as before; if this
process dies, the lease runs out and any dispatcher claims it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub.contract import (
    Address,
    OutboundMessage,
    PermanentSendError,
    RetryableSendError,
    now,
    render_quick_replies_as_text,
)
from hub.models import Conversation, Message
from hub.pipeline import delivery
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.claims import ClaimLoop
from hub.pipeline.realtime import Event
from hub.store import messages, outbox, paging
from hub.store.outbox import DueMessage

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
IDLE_POLL = 5.0

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
        #: The messages this dispatcher is sending (never claimed again meanwhile).
        self._sending: set[PydanticObjectId | None] = set()
        #: The conversations of the claimed messages, read with their claim, by message id.
        self._conversations: dict[PydanticObjectId, Conversation] = {}
        self._held_back = False
        #: Due messages read from the index (or seen arriving), claimed from in order.
        self._candidates: list[DueMessage] = []
        self._read_at = 0.0
        #: Slots promised to replies being stored by this process (``reserve``).
        self._reserved = 0
        self._sub = hub.realtime.subscribe(None, self._is_new_work)

    async def start(self) -> None:
        await super().start()
        self.hub.outbox_sender = self  # replies stored here are handed over (``reserve``)

    def in_use(self) -> int:
        used = len(self._inflight) + self._reserved
        if used >= self.concurrency:
            self._held_back = True  # a finished send wakes the loop for waiting work
        return used

    def reserve(self, channel_id: PydanticObjectId) -> dt.datetime | None:
        """A send slot for a message this process is about to store, within the channel's
        and the process's bounds: the end of the lease to store it with (None: no slot;
        store it due now for any dispatcher). ``hand`` or ``release`` it afterwards."""
        if not self.running or self._busy[channel_id] >= self.per_channel:
            return None
        if len(self._inflight) + self._reserved >= self.concurrency:
            return None
        self._busy[channel_id] += 1
        self._reserved += 1
        return now() + self.lease

    def release(self, channel_id: PydanticObjectId) -> None:
        """Give back a slot from ``reserve`` whose message was not stored."""
        self._reserved -= 1
        self._free(channel_id)

    def hand(self, message: Message, conversation: Conversation) -> None:
        """Send ``message``, stored leased to this dispatcher with a ``reserve``d slot."""
        self._reserved -= 1
        self._sending.add(message.id)
        if message.id is not None:
            self._conversations[message.id] = conversation
        self.start_item(message)

    def _free(self, channel_id: PydanticObjectId) -> None:
        self._busy[channel_id] -= 1
        if self._busy[channel_id] <= 0:
            del self._busy[channel_id]
        if self._held_back:  # a channel's slot opened for work that waits for it
            self._wake.set()

    def _is_new_work(self, event: Event) -> bool:
        data = event.data
        if data.get("outbox_owner") == self.owner:
            return False  # handed over by this process (``hand``): being sent
        if event.type.startswith("message.") and data.get("outbox_due") is not None:
            rank = data.get("delivery_rank", 0)
            if rank < delivery.rank("sending"):
                self._candidates.append(
                    DueMessage(data["_id"], data["outbox_due"], data["channel_id"], rank)
                )
            self._wake.set()
        return False

    async def stop(self) -> None:
        if self.hub.outbox_sender is self:
            self.hub.outbox_sender = None
        self.hub.realtime.unsubscribe(self._sub)
        await super().stop()

    def idle_poll(self) -> float:
        return IDLE_POLL

    async def next_due(self) -> dt.datetime | None:
        if self._held_back:  # due work waits for a busy channel: a finished send wakes us
            return None
        return await outbox.next_due_all_accounts()

    async def claim(self) -> Message | None:
        """Take one due message for this dispatcher, for the length of the lease."""
        found = await self.claim_many(1)
        return found[0] if found else None

    async def claim_many(self, room: int) -> list[Message]:
        """Claim up to ``room`` due messages: one read of the due index (at most once a
        second), then every compare-and-set on ``(_id, outbox_due)`` in one bulk write and
        one read of those won (``hub.store.outbox.take_many``): a constant number of
        commands per batch. Channels at ``per_channel`` sends are skipped, so their
        messages stay due for this or another process."""
        at = now()
        await self._refresh(at)
        self._held_back = False
        chosen: list[DueMessage] = []
        kept: list[DueMessage] = []
        wanted: Counter[PydanticObjectId] = Counter()
        for due in self._candidates:
            if due.outbox_due > at or due.delivery_rank > delivery.rank("sending"):
                continue  # not due (a later retry) or done meanwhile: the next read shows it
            if due.id in self._sending:
                continue  # this dispatcher holds it already
            busy = self._busy[due.channel_id] + wanted[due.channel_id]
            if len(chosen) >= room or busy >= self.per_channel:
                self._held_back = self._held_back or len(chosen) < room
                kept.append(due)
                continue
            wanted[due.channel_id] += 1
            chosen.append(due)
        self._candidates = kept
        claimed = await outbox.take_many(
            chosen, self.owner, "sending", delivery.rank("sending"),
            at=at, lease_until=at + self.lease,
        )  # fmt: skip
        # Their conversations in one read by ``_id`` (a send needs its address, subject
        # and reply window), not one read per send.
        self._conversations.update(await outbox.conversations_of(claimed))
        for message in claimed:
            self._busy[message.channel_id] += 1
            self._sending.add(message.id)
            if message.attempts == 1:
                self.hub.metrics.dispatcher_lag.set((at - message.created_at).total_seconds())
        return claimed

    async def _refresh(self, at: dt.datetime) -> None:
        """Read the due index when the known candidates ran out or are a second old, so a
        backlog costs one read a second, not one per send (a taken one fails its
        compare-and-set harmlessly). New work arrives through ``_is_new_work``."""
        if self._candidates and time.monotonic() - self._read_at < CANDIDATES_FRESH:
            return
        self._candidates = await outbox.due_all_accounts(at)
        self._read_at = time.monotonic()

    async def process(self, message: Message) -> None:
        """Send one claimed message and record the outcome. Its channel's slot is freed
        once the provider answered (the bound is on calls to the provider), the process's
        slot once the outcome is recorded."""
        held = [True]

        def free_channel() -> None:
            if held[0]:
                held[0] = False
                self._free(message.channel_id)

        try:
            await self._process(message, free_channel)
        finally:
            self._sending.discard(message.id)
            if message.id is not None:
                self._conversations.pop(message.id, None)
            free_channel()

    async def _process(self, message: Message, free_channel: Callable[[], None]) -> None:
        try:
            outbound, channel = await self._outbound(message)
            timeout = self._send_timeout(message)
            if timeout <= 0:  # the lease is nearly over: leave it to the next claim
                return
            try:
                result = await asyncio.wait_for(
                    channel.connector.send(channel.info, outbound), timeout
                )
            finally:
                free_channel()
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
            await delivery.sent_together(
                self.hub.send_results, message, self.owner, result.provider_message_id,
                result.status, result.metadata,
            )  # fmt: skip
            self.hub.metrics.messages_out.inc()

    def _send_timeout(self, message: Message) -> float:
        """0.8 of a lease, and never past 0.8 of the lease this message holds (a handed-over
        one was leased before it was stored), so a live sender records before it ends."""
        lease = self.lease.total_seconds()
        if message.outbox_due is None:
            return lease * 0.8
        left = (message.outbox_due - now()).total_seconds() - lease * 0.2
        return min(lease * 0.8, left)

    async def _outbound(self, message: Message) -> tuple[OutboundMessage, ResolvedChannel]:
        channel = await self.hub.channels.resolve(message.channel_id)
        if channel is None:
            raise PermanentSendError("channel_inactive", "the channel was removed or deactivated")
        conversation = self._conversations.pop(message.id, None) if message.id else None
        if conversation is None:
            conversation = await paging.model_by_id(
                Conversation, message.account_id, message.conversation_id
            )
        if conversation is None:
            raise PermanentSendError("conversation_gone", "the conversation no longer exists")
        refs = await messages.thread_refs(message) if channel.threaded else []
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
            auto_reply=bool(message.metadata.get("automatic")),
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
