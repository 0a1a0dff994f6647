"""The contact panel: the contact's identities across channels, earlier conversations, CRM link."""

from __future__ import annotations

from typing import Any

from hub.models import Account, Contact, Conversation
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
        "contact": contact,
        "addresses": [display.address_label(a) for a in addresses],
        "earlier": earlier,
        "crm_url": display.crm_link(account.crm_url_template, contact) if contact else None,
    }
