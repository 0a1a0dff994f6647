"""The contact panel: the contact's identities across channels, earlier conversations, CRM link."""

from __future__ import annotations

from typing import Any

from hub.centre import callbacks
from hub.models import Account, CallbackRequest, Contact, Conversation
from hub.web import display

EARLIER_LIMIT = 10


async def panel(account: Account, conversation: Conversation) -> dict[str, Any]:
    """What the panel shows for the conversation's contact (account-scoped)."""
    assert account.id is not None
    contact = None
    earlier: list[Conversation] = []
    if conversation.contact_id is not None:
        contact = await Contact.find_one(
            Contact.id == conversation.contact_id, Contact.account_id == account.id
        )
        earlier = (
            await Conversation.find(
                Conversation.account_id == account.id,
                Conversation.contact_id == conversation.contact_id,
                Conversation.id != conversation.id,
            )
            .sort("-last_message_at")
            .limit(EARLIER_LIMIT)
            .to_list()
        )
    addresses = contact.addresses if contact else [conversation.contact_key]
    return {
        "callbacks": await _callbacks(account, conversation),
        "contact": contact,
        "addresses": [display.address_label(a) for a in addresses],
        "earlier": earlier,
        "crm_url": display.crm_link(account.crm_url_template, contact) if contact else None,
    }


async def _callbacks(account: Account, conversation: Conversation) -> list[CallbackRequest]:
    """The contact's callbacks (their timeline), or those asked from this conversation."""
    assert account.id is not None
    if conversation.contact_id is not None:
        return await callbacks.for_contact(account.id, conversation.contact_id)
    return await callbacks.for_conversation(account.id, conversation.id)  # type: ignore[arg-type]

