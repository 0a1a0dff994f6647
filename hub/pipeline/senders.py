"""Several senders: the business numbers (or addresses) a channel can send from.

A phone channel's config may list ``from_numbers`` beside its ``from_number``. A reply
leaves from the number the customer wrote to (``Conversation.business_address``, set by
ingest from the inbound message's ``to``), unless the agent or the API's ``from`` picks
another of the channel's numbers. The chosen number is stored on the message
(``Message.from_address``) and handed to the connector (``OutboundMessage.from_address``).
"""

from __future__ import annotations

from hub.errors import UnknownSender
from hub.models import Channel, Conversation

__all__ = ["UnknownSender", "choose", "senders"]


def _plain(value: str) -> str:
    """``whatsapp:+4512345678`` → ``+4512345678``: the number without a provider prefix."""
    return value.rsplit(":", 1)[-1].strip()


def senders(channel: Channel) -> list[str]:
    """The channel's numbers, its main one first."""
    config = channel.config or {}
    found = [config.get("from_number"), *(config.get("from_numbers") or [])]
    return list(dict.fromkeys(_plain(str(n)) for n in found if n))


def choose(channel: Channel, conversation: Conversation, requested: str | None) -> str | None:
    """The number a reply leaves from; None: the connector's default (one number, or none)."""
    numbers = senders(channel)
    if requested is not None:
        if _plain(requested) not in numbers:
            shown = ", ".join(numbers) or "none"
            raise UnknownSender(f"from must be one of the channel's senders ({shown})")
        return _plain(requested)
    written_to = _plain(conversation.business_address or "")
    if written_to in numbers and len(numbers) > 1:
        return written_to
    return None
