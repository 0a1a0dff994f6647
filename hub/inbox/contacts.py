"""The contact panel: the contact's identities across channels, earlier conversations, CRM link."""

from __future__ import annotations

from typing import TypedDict

from hub.centre.callbacks import lifecycle as callbacks
from hub.models import Account, CallbackRequest, Contact, Conversation
from hub.store import conversations, paging
from hub.web import display

EARLIER_LIMIT = 10


class ContactPanel(TypedDict):
    """What the contact panel shows (spread into the conversation page's context)."""

    callbacks: list[CallbackRequest]
    contact: Contact | None
    #: Each address as ``display.address_label`` gives it (kind, label, value).
    addresses: list[dict[str, str]]
    earlier: list[Conversation]
    crm_url: str | None


async def panel(account: Account, conversation: Conversation) -> ContactPanel:
    """What the panel shows for the conversation's contact (account-scoped)."""
    assert account.id is not None
    contact = None
    earlier: list[Conversation] = []
    if conversation.contact_id is not None:
        contact = await paging.model_by_id(Contact, account.id, conversation.contact_id)
        earlier, _ = await conversations.recent_first(
            account.id,
            {"contact_id": conversation.contact_id},
            lambda doc: doc["_id"] != conversation.id,
            EARLIER_LIMIT,
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
