"""The business speaks first: the conversation an API message to an address goes into.

No inbound message exists yet, so the contact is found or created by address and the
channel's running conversation continued, or a new one opened with routing (never a
bot: the business speaks first). On threaded channels (email) every such message
starts its own thread.
"""

from __future__ import annotations

from typing import Protocol

from beanie import PydanticObjectId

from hub.contract import Address, now
from hub.facts import handling
from hub.models import Conversation
from hub.models.conversation import CURRENT_THREAD
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.rules import ConversationRules
from hub.store import threads
from hub.store.contacts import find_or_create_contact


class _WithRules(Protocol):
    @property
    def rules(self) -> ConversationRules: ...


async def running_conversation(channel: ResolvedChannel, address: Address) -> Conversation | None:
    """The channel's running conversation with ``address``, if one exists (never creates one).

    Threaded channels (email) start a new thread for every business-side message: None.
    """
    if channel.threaded:
        return None
    return await threads.running(threads.ThreadKey(channel.account_id, channel.id, address.key))


async def open_conversation(
    hub: _WithRules, channel: ResolvedChannel, address: Address
) -> tuple[Conversation, bool]:
    """The conversation a business-side message to ``address`` on ``channel`` goes into.

    For the API's first message to a contact: the contact is found or created by
    address and the channel's running conversation continued, or a new one opened with
    routing. On threaded channels (email) every such message starts its own thread.
    Returns (conversation, created).
    """
    contact = await find_or_create_contact(channel.account_id, address)
    new_id = PydanticObjectId()
    thread_key = f"out:{new_id}" if channel.threaded else CURRENT_THREAD
    key = threads.ThreadKey(channel.account_id, channel.id, address.key, thread_key)
    at = now()
    route = hub.rules.route(channel.document)
    vip = await hub.rules.is_vip(channel.account_id, contact, address.key)
    conversation, created = await threads.open_for_business(
        key, new_id, contact, channel_type=channel.type, team_id=route.team_id, vip=vip, at=at
    )
    if created:
        await handling.opened(channel.account_id, new_id, at=at, channel_id=str(channel.id), reopened=False, team_id=route.team_id, by_business=True)  # fmt: skip
    return conversation, created
