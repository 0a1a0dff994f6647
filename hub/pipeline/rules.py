"""The seam between the message pipeline and the contact centre's rules.

Ingest and the outbox apply the conversation rules at fixed, visible points: who
handles a new conversation, what priority a contact earns, what happens after an
inbound message is stored and after a reply is queued. The rules themselves live in
``hub.centre`` (routing, assignment, callback offers, SLA clocks, CSAT), which sits
above the pipeline and sends through its outbox; the composition root (``hub.app``)
injects them as ``hub.rules``. ``BasicRules`` is what a hub without the contact
centre (a CLI command, a unit test) applies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from beanie import PydanticObjectId

from hub.contract import InboundMessage
from hub.models import Channel, Contact, Conversation, Message

if TYPE_CHECKING:
    from hub.pipeline.channels import ResolvedChannel
    from hub.store.threads import Before


class Receipt(Protocol):
    """What ingest stored for one webhook (``hub.pipeline.ingest.Receipt``)."""

    #: The messages stored (inbound ones the rules may act on after the answer).
    messages: list[Message]
    new_conversations: list[PydanticObjectId]
    #: Conversations reopened without an assignee: they wait in their queue again.
    requeued: list[PydanticObjectId]


@dataclass(frozen=True)
class Route:
    """Who handles a new conversation: a bot or the human queue, and which team."""

    handler: str = "human"
    bot_id: str | None = None
    team_id: str | None = None


class ConversationRules(Protocol):
    """What the pipeline asks of the contact centre, at the points it names."""

    def route(self, channel: Channel) -> Route:
        """The handler and team of a conversation opened on ``channel``."""
        ...

    def priority(self, contact: Contact) -> str | None:
        """A priority the contact earns on every new conversation, or None."""
        ...

    async def after_inbound(
        self, channel: ResolvedChannel, message: Message, created: bool, clocked: bool = True
    ) -> None:
        """After an inbound message is stored (``created``: it opened its conversation;
        ``clocked`` False: the conversation had no SLA clocks when the message was recorded)."""
        ...

    async def after_reply(self, conversation: Conversation, message: Message) -> None:
        """After a reply or note is stored in ``conversation`` (queued for sending)."""
        ...

    async def after_receive(self, channel: ResolvedChannel, receipt: Receipt) -> None:
        """Once a webhook's events are all stored: new conversations are routed and assigned."""
        ...

    async def queued(self, account_id: PydanticObjectId) -> None:
        """A conversation of the account entered a queue (a bot handed over): assign now."""
        ...

    async def woke(self, account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
        """A snoozed conversation's time came: the sweep opened it again."""
        ...

    async def take_answer(
        self,
        channel: ResolvedChannel,
        inbound: InboundMessage,
        at: dt.datetime,
        before: Before | None = None,
    ) -> tuple[bool, Message | None]:
        """Before an inbound message opens anything: an answer to a survey is stored and
        handled here (``(True, message)``; message None for a repeat); else ``(False, None)``.
        ``before``: the contact's current conversation as ingest read it, if it did."""
        ...

    async def is_vip(self, account_id: PydanticObjectId, contact: Contact, key: str) -> bool:
        """Whether the contact (written from ``key``) is on the account's VIP list."""
        ...


class BasicRules:
    """The rules without the contact centre: the channel's bot or default team, VIPs high."""

    def route(self, channel: Channel) -> Route:
        if channel.bot_id:
            return Route(handler="bot", bot_id=channel.bot_id, team_id=channel.default_team_id)
        return Route(handler="human", team_id=channel.default_team_id)

    def priority(self, contact: Contact) -> str | None:
        return None  # VIPs are not a priority: they go first in the queue (``vip``)

    async def after_inbound(
        self, channel: ResolvedChannel, message: Message, created: bool, clocked: bool = True
    ) -> None:
        return None

    async def after_reply(self, conversation: Conversation, message: Message) -> None:
        return None

    async def after_receive(self, channel: ResolvedChannel, receipt: Receipt) -> None:
        return None

    async def queued(self, account_id: PydanticObjectId) -> None:
        return None

    async def woke(self, account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
        return None

    async def take_answer(
        self,
        channel: ResolvedChannel,
        inbound: InboundMessage,
        at: dt.datetime,
        before: Before | None = None,
    ) -> tuple[bool, Message | None]:
        return False, None

    async def is_vip(self, account_id: PydanticObjectId, contact: Contact, key: str) -> bool:
        return contact.vip
