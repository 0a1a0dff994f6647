"""The contact centre's rules, as the pipeline applies them (``hub.pipeline.rules``).

One object, built by the composition root with the app's services, that each part
of the contact centre adds its step to: routing decides who handles a conversation;
after an inbound message, an answer to a callback offer becomes a callback; once a
webhook is stored, new conversations get the out-of-office text and are assigned.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub import assist
from hub.centre import changes
from hub.centre.callbacks.offer import take_answer
from hub.centre.csat import answers as csat
from hub.centre.routing import arrivals, assignment, vip
from hub.centre.routing import handler as routing
from hub.centre.sla import clocks as sla
from hub.contract import InboundMessage
from hub.models import Channel, Contact, Conversation, Message
from hub.pipeline.rules import Receipt, Route

if TYPE_CHECKING:
    from hub.pipeline.channels import ResolvedChannel
    from hub.pipeline.services import Hub
    from hub.store.threads import Before


def counts_for_sla(message: Message) -> bool:
    """Whether an inbound message is a customer's question for the SLA clocks: not an
    automated one (an auto-reply, an out-of-office, a bounce) nor a survey answer."""
    return not message.automated and not message.metadata.get("csat_answer")


class CentreRules:
    """``ConversationRules`` with the contact centre's parts behind it."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def route(self, channel: Channel) -> Route:
        return routing.route_new_conversation(channel)

    def priority(self, contact: Contact) -> str | None:
        return None  # VIPs go first in the queue by their ``vip`` flag, not by priority

    async def after_inbound(
        self, channel: ResolvedChannel, message: Message, created: bool, clocked: bool = True
    ) -> None:
        if counts_for_sla(message) and (created or clocked):  # no clocks: nothing to move
            await sla.on_inbound(
                channel.account_id, message.conversation_id, message.created_at, created
            )
        await take_answer(self.hub, channel.document, message)  # an answer to a callback offer

    async def after_reply(self, conversation: Conversation, message: Message) -> None:
        if not message.private and message.sender.type == "agent":  # a person's public reply
            assert conversation.id is not None
            await sla.on_reply(conversation.account_id, conversation.id, message.created_at)

    async def queued(self, account_id: PydanticObjectId) -> None:
        await assignment.dispatch(account_id)

    async def woke(self, account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
        await changes.woke(account_id, conversation_id)

    async def take_answer(
        self,
        channel: ResolvedChannel,
        inbound: InboundMessage,
        at: dt.datetime,
        before: Before | None = None,
    ) -> tuple[bool, Message | None]:
        return await csat.take_answer(channel, inbound, at, before)

    async def after_receive(self, channel: ResolvedChannel, receipt: Receipt) -> None:
        await arrivals.after_receive(
            self.hub, channel.account_id, receipt.new_conversations, bool(receipt.requeued)
        )
        if any(assist.worth_translating(m) for m in receipt.messages):  # after the answer
            self.hub.background.spawn(
                assist.translate_inbound(self.hub, channel.account_id, list(receipt.messages)),
                name=f"assist-translate-{receipt.messages[0].id}",
            )

    async def is_vip(self, account_id: PydanticObjectId, contact: Contact, key: str) -> bool:
        return await vip.is_vip(account_id, contact, key)
