"""The contact panel: the contact's identities across channels, earlier conversations, CRM link."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.models import Account, Contact, Conversation
from hub.store import conversations, paging
from hub.web import display
from hub.web.guard import Ctx, inbox_view

EARLIER_LIMIT = 10


async def panel(account: Account, conversation: Conversation) -> dict[str, Any]:
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
        "contact": contact,
        "addresses": [display.address_label(a) for a in addresses],
        "earlier": earlier,
        "crm_url": display.crm_link(account.crm_url_template, contact) if contact else None,
    }


@inbox_view()
async def show(request: Request, ctx: Ctx) -> Response:
    from hub.inbox.thread import render_conversation

    conversation = await conversations.get_conversation(ctx.account.id, request.path_params["id"])
    return await render_conversation(request, ctx, conversation, block="contact")


routes = [Route("/inbox/c/{id}/contact", show, methods=["GET"])]
