"""The rules for automatic replies (RFC 3834): out-of-office texts, surveys, callback offers.

An automatic reply is never sent

- to automated mail: the connector flagged it ``automated`` (bounces, auto-replies), or its
  ``metadata.auto_headers`` say so: ``Auto-Submitted`` other than ``no``, ``Precedence:
  bulk|junk|list``, an empty envelope sender (``<>``), mailing-list headers (``List-Id``,
  ``List-Unsubscribe`` and the other ``List-*``);
- to the channel's own addresses (its email address, its numbers): the hub would answer itself;
- more than once a contact a day (``daily``; a survey's retry and its thanks belong to the
  survey and are not counted again).

Automatic replies carry ``metadata.automatic`` (their kind); the dispatcher hands that to
the connector as ``OutboundMessage.auto_reply`` (email: ``Auto-Submitted: auto-replied``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from hub.contract import now
from hub.models import Conversation, Message
from hub.pipeline.senders import senders
from hub.store import auto_replies as store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)

LIST_HEADERS = (
    "list-id", "list-unsubscribe", "list-post", "list-help", "list-subscribe", "list-owner",
    "list-archive",
)  # fmt: skip
AUTOMATED_PRECEDENCE = ("bulk", "junk", "list", "auto_reply")


def headers_reason(headers: Mapping[str, Any]) -> str | None:
    """Why mail with these headers (lowercase names) is automated, or None (RFC 3834 §2)."""
    auto = str(headers.get("auto-submitted") or "").strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"auto-submitted: {auto}"
    precedence = str(headers.get("precedence") or "").strip().lower()
    if precedence in AUTOMATED_PRECEDENCE:
        return f"precedence: {precedence}"
    if "envelope-from" in headers and str(headers["envelope-from"]).strip() in ("", "<>"):
        return "empty envelope sender"
    if str(headers.get("return-path") or "").strip() == "<>":
        return "empty envelope sender"
    for name in LIST_HEADERS:
        if headers.get(name):
            return f"mailing list ({name})"
    for name in ("x-autoreply", "x-autorespond"):
        if headers.get(name):
            return name
    return None


def refusal(message: Message, sender: str, own: Iterable[str]) -> str | None:
    """Why ``message`` from ``sender`` (its address value) may not get an automatic reply."""
    if message.automated:
        return str(message.metadata.get("automated_reason") or "automated")
    headers = message.metadata.get("auto_headers")
    if isinstance(headers, Mapping):
        reason = headers_reason(headers)
        if reason is not None:
            return reason
    sender = sender.strip().lower()
    if sender and sender in {a.strip().lower() for a in own if a}:
        return "sent from the channel's own address"
    return None


async def may_send(hub: Hub, conversation: Conversation, kind: str, daily: bool = True) -> bool:
    """Whether an automatic reply of ``kind`` may go to the conversation's contact now; with
    ``daily`` it also takes the contact's one automatic reply of the day."""
    assert conversation.id is not None
    latest = await store.latest_inbound(conversation.account_id, conversation)
    if latest is not None:
        channel = await hub.channel(conversation.channel_id)
        own = [*senders(channel), str(channel.config.get("address") or "")] if channel else []
        reason = refusal(latest, conversation.contact_key.partition(":")[2], own)
        if reason is not None:
            log.info("no %s for %s: %s", kind, conversation.id, reason)
            return False
    contact_id = conversation.contact_id
    if daily and contact_id is not None:
        claimed = await store.claim_daily_auto_reply(conversation.account_id, contact_id, now())
        if not claimed:
            log.info("no %s for %s: the contact had one today", kind, conversation.id)
            return False
    return True
