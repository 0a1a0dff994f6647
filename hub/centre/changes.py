"""Changing a conversation's handling: the store's checked update, then the queues.

``update_conversation`` is what the API and the inbox call to change status, assignee,
team, labels or priority: ``hub.store.conversations.update_conversation`` checks and
writes it (a conversation moved to a team or unassigned starts waiting there now), and
when the change can free an agent or fill a queue (assignee, team, status, handler) the
account's queues are dispatched at once (``hub.centre.routing.assignment``).
"""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId

from hub.centre.csat import answers as csat
from hub.centre.routing import assignment
from hub.centre.sla import clocks as sla
from hub.models import Conversation
from hub.store import conversations

ROUTING_FIELDS = {"assignee_id", "team_id", "status", "handler"}


async def update_conversation(
    account_id: PydanticObjectId,
    conversation_id: str,
    changes: dict[str, Any],
    actor: dict[str, Any] | None = None,
) -> Conversation:
    """Change a conversation (``actor``: who did it, for the handling facts), then dispatch.

    A status change moves the SLA clocks; a resolution makes the CSAT survey due.
    """
    before = await conversations.get_conversation(account_id, conversation_id)
    updated = await conversations.update_conversation(account_id, conversation_id, changes, actor)
    if updated.status != before.status and updated.id is not None:
        await sla.on_status(account_id, updated.id, updated.status, updated.updated_at)
        if updated.status == "resolved":
            await csat.on_resolved(account_id, updated.id, updated.updated_at)
    if ROUTING_FIELDS & set(changes):
        await assignment.dispatch(account_id)  # freed capacity or a new queue entry
        updated = await conversations.get_conversation(account_id, conversation_id)
    return updated
