"""What happens when ``hub.pipeline.ingest`` has stored new conversations (the contact centre's part).

Called once the webhook's events are durably written (the provider's answer waits for this,
but not for the number look-up, which runs as a background task):

1. outside the team's (else the account's) business hours, the team's out-of-office text
   is sent, once per conversation;
2. a new phone contact without a name is looked up in the account's directory;
3. the account's queues are dispatched, so a new conversation is assigned at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub.centre import hours
from hub.centre.automatic import replies as auto_replies
from hub.centre.routing import assignment, lookup
from hub.contract import now
from hub.models import Account, Contact, Conversation, Sender
from hub.pipeline import outbox
from hub.store import accounts as account_store
from hub.store import conversations as conversation_store
from hub.store import paging
from hub.store import teams as team_store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub


async def after_receive(
    hub: Hub,
    account_id: PydanticObjectId,
    new_conversations: list[PydanticObjectId],
    requeued: bool = False,
) -> None:
    """``requeued``: a conversation was reopened without an assignee (it only needs a dispatch)."""
    if not new_conversations:
        if requeued:
            await assignment.dispatch(account_id)
        return
    account = await account_store.get_account(account_id)
    if account is None:
        return
    for conversation_id in new_conversations:
        conversation = await paging.model_by_id(Conversation, account_id, conversation_id)
        if conversation is None:
            continue
        await _look_up_later(hub, conversation)
        if conversation.handler == "human":
            await out_of_office(hub, account, conversation)
    await assignment.dispatch(account_id)


async def _look_up_later(hub: Hub, conversation: Conversation) -> None:
    if conversation.contact_id is None:
        return
    contact = await paging.model_by_id(Contact, conversation.account_id, conversation.contact_id)
    if contact is None or not lookup.wanted(contact):
        return
    hub.background.spawn(
        lookup.look_up(hub.http, conversation.account_id, contact.id),
        name=f"number-lookup-{contact.id}",
    )


async def out_of_office(hub: Hub, account: Account, conversation: Conversation) -> bool:
    """Send the team's out-of-office text if it is closed now; at most once a conversation."""
    if not conversation.team_id:
        return False
    assert account.id is not None and conversation.id is not None
    team = await team_store.find_team(account.id, PydanticObjectId(conversation.team_id))
    if team is None or not (team.out_of_office_text or "").strip():
        return False
    opening = team.business_hours or account.business_hours
    if hours.is_open(opening, now(), account.timezone):
        return False
    if not await conversation_store.mark_out_of_office_sent(account.id, conversation.id):
        return False
    if not await auto_replies.may_send(hub, conversation, "out_of_office"):
        return False  # automated mail, our own address, or the contact had one today
    try:
        await outbox.enqueue(
            hub,
            conversation,
            text=team.out_of_office_text or "",
            sender=Sender(type="system", name=team.name),
            metadata={"automatic": "out_of_office"},
        )
    except outbox.OutboxError:
        return False  # the channel refuses it (e.g. outside a reply window): nothing to send
    return True
