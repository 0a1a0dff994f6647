"""The outbox: every outbound message is stored first, then sent by a dispatcher.

``enqueue`` is the only way anything leaves the hub: it checks the channel's
rules (reply window, length), writes the message with ``delivery: queued`` and
a due time, and returns. The ``Dispatcher`` in each ``parley serve`` claims due
messages atomically — the claim moves ``outbox_due`` to the end of a lease, so
a message whose sender died becomes due again when the lease runs out —
calls ``connector.send``, and records the result. It wakes at once on new work
from the change stream and sleeps until the next retry otherwise. It lives in
``hub.pipeline.dispatcher`` and is named here too.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub.contract import Attachment, JsonObject, QuickReply, now
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
from hub.pipeline.dispatcher import IDLE_POLL, Dispatcher
from hub.store import messages
from hub.store.answered import Reply
from hub.store.errors import Duplicate

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

__all__ = [
    "IDLE_POLL",
    "Dispatcher",
    "OutboxError",
    "check_channel_rules",
    "enqueue",
    "requeue",
]

log = logging.getLogger(__name__)


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
    template: JsonObject | None = None,
    quick_replies: list[QuickReply] | None = None,
    subject: str | None = None,
    html: str | None = None,
    metadata: Mapping[str, object] | None = None,
    idempotency_key: str | None = None,
    from_address: str | None = None,
    original_text: str | None = None,
) -> Message:
    """Store a reply in ``conversation`` (queued for sending, or a private note).

    Raises a ``hub.errors`` error (nothing stored) when the channel's rules refuse it.
    ``whisper`` makes it a private note that only the conversation's assignee (kept as
    ``metadata.whisper_to``) and supervisors or admins see. ``from_address`` picks one of
    the channel's senders (``hub.pipeline.senders``); without it a reply leaves from the
    number the customer wrote to (``UnknownSender`` for a number the channel lacks).
    ``original_text``: the agent's own words when ``text`` is their translation
    (``hub.assist.translated_reply``), stored with the message.
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
    # A slot of this process's dispatcher: the message is stored leased to it and handed
    # over once stored (no claim, no wake-up through the change stream).
    sender_loop = None if private else hub.outbox_sender
    at = now()
    state = delivery.initial(private)
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
        delivery=state.delivery,
        delivery_rank=state.delivery_rank,
        metadata=dict(metadata or {}),
        idempotency_key=idempotency_key,
        from_address=sent_from,
        original_text=original_text,
        outbox_due=None if private else at,
        created_at=at,
        updated_at=at,
    )
    lease_until = sender_loop.reserve(channel.id) if sender_loop is not None else None
    if sender_loop is not None and lease_until is not None:  # released or handed below
        message.outbox_due, message.outbox_owner, message.attempts = (
            lease_until,
            sender_loop.owner,
            1,
        )
    try:
        await messages.insert_outbound(message, hub.message_inserts)
    except BaseException as exc:
        if sender_loop is not None and lease_until is not None:
            sender_loop.release(channel.id)
        if isinstance(exc, Duplicate):
            return await _replay(conversation.account_id, idempotency_key, message)
        raise
    if sender_loop is not None and lease_until is not None:
        sender_loop.hand(message, conversation)
    if not private:
        # The facts first: the conversation's change (below) wakes the wallboard, which
        # then reads today's counters.
        await handling.replied(conversation, message)
        await _mark_answered(hub, conversation, message, at)
    if not private and sender.type == "agent":  # a person's public reply
        await hub.rules.after_reply(conversation, message)  # SLA clocks
    return message


def check_channel_rules(
    channel: ResolvedChannel,
    last_inbound_at: dt.datetime | None,
    text: str,
    template: JsonObject | None,
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
    existing = await messages.by_idempotency_key(account_id, idempotency_key)
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


def preview_of(message: Message) -> str:
    """What the list shows of an outbound message: its text, subject, or template.

    A template message (WhatsApp outside the reply window) has no text of its own: the
    list shows the template's name and its variables, e.g. "[order_update] Ann, Tuesday".
    """
    if message.text or message.subject:
        return (message.text or message.subject or "")[:140]
    template = message.template or {}
    name = str(template.get("name") or template.get("sid") or "")
    if name:
        variables = template.get("variables") or {}
        values = (
            ", ".join(str(v) for v in variables.values()) if isinstance(variables, dict) else ""
        )
        return f"[{name}] {values}".strip()[:140]
    return "[attachment]"


async def _mark_answered(
    hub: Hub, conversation: Conversation, message: Message, at: dt.datetime
) -> None:
    # An automatic message (a system sender) answers nothing: the customer still waits.
    # Concurrent replies' updates are one write (``hub.store.answered``).
    answers = message.sender.type != "system"
    assert conversation.id is not None
    await hub.answered.mark(
        Reply(conversation.account_id, conversation.id, preview_of(message), at, answers)
    )


#: ``hub.pipeline.delivery.requeue``, where the delivery states live.
requeue = delivery.requeue
