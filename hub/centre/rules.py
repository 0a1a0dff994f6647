"""The contact centre's rules, as the pipeline applies them (``hub.pipeline.rules``).

One object, built by the composition root with the app's services, that each part
of the contact centre adds its step to: routing decides who handles a conversation;
after an inbound message, an answer to a callback offer becomes a callback; once a
webhook is stored, new conversations get the out-of-office text and are assigned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub.centre import arrivals, routing, vip
from hub.models import Channel, Contact, Conversation, Message
from hub.pipeline.rules import Receipt, Route

if TYPE_CHECKING:
    from hub.pipeline.channels import ResolvedChannel
    from hub.pipeline.services import Hub


class CentreRules:
    """``ConversationRules`` with the contact centre's parts behind it."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def route(self, channel: Channel) -> Route:
        return routing.route_new_conversation(channel)

    def priority(self, contact: Contact) -> str | None:
        return None  # VIPs go first in the queue by their ``vip`` flag, not by priority

    async def after_inbound(
        self, channel: ResolvedChannel, message: Message, created: bool
    ) -> None:
        from hub.centre.callback_offer import take_answer

        await take_answer(self.hub, channel.document, message)  # an answer to a callback offer

    async def after_reply(self, conversation: Conversation, message: Message) -> None:
        return None

    async def after_receive(self, channel: ResolvedChannel, receipt: Receipt) -> None:
        await arrivals.after_receive(
            self.hub, channel.account_id, receipt.new_conversations, bool(receipt.requeued)
        )

    async def is_vip(self, account_id: PydanticObjectId, contact: Contact, key: str) -> bool:
        return await vip.is_vip(account_id, contact, key)
