"""The one path of every change to a conversation's status, assignee, team or handler.

``update_conversation`` is what the API, the inbox and take-over call to change status,
assignee, team, labels or priority: ``hub.store.conversations.update_conversation``
checks and writes it (a conversation moved to a team or unassigned starts waiting there
now; the handling facts are written with it). Changes made by a conditional write of
their own report it: a bot's hand-over (``hub.integrations.bots``) through
``handed_to_people``, a snooze's wake-up (``hub.pipeline.housekeeping``) through ``woke``. Either way ``_moved`` applies what follows, the same for all:

- a status change moves the SLA clocks (resolve stops them, pending pauses, open
  resumes); a resolution makes the CSAT survey due;
- a hand-over from a bot starts the clocks as for a new conversation for people;
- a change that can free an agent or fill a queue (assignee, team, status, handler)
  dispatches the account's queues at once (``hub.centre.routing.assignment``).

The queues, the wallboard and the events follow from the stored change (the change
stream); the live figures read it (``hub.centre.reports.live``).
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from beanie import PydanticObjectId

from hub.centre.csat import answers as csat
from hub.centre.routing import assignment
from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.models import Conversation
from hub.store import conversations

ROUTING_FIELDS = {"assignee_id", "team_id", "status", "handler"}


async def update_conversation(
    account_id: PydanticObjectId,
    conversation_id: str,
    changes: dict[str, Any],
    actor: dict[str, Any] | None = None,
) -> Conversation:
    """Change a conversation (``actor``: who did it, for the handling facts), then what
    follows from it (``_moved``)."""
    before = await conversations.get_conversation(account_id, conversation_id)
    updated = await conversations.update_conversation(account_id, conversation_id, changes, actor)
    if await _moved(account_id, before, updated, set(changes)):
        updated = await conversations.get_conversation(account_id, conversation_id)
    return updated


async def handed_to_people(account_id: PydanticObjectId, conversation: Conversation) -> None:
    """A bot's conversation came to people (stored by the hand-over's own atomic write):
    the clocks start as for a new conversation, and the queues are dispatched."""
    before = conversation.model_copy(update={"handler": "bot"})
    await _moved(account_id, before, conversation, {"handler", "status", "team_id"})


async def woke(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    """A snoozed conversation was opened again by the housekeeping sweep (its own
    conditional write): the clocks resume and the queues are dispatched."""
    after = await conversations.get_conversation(account_id, str(conversation_id))
    before = after.model_copy(update={"status": "snoozed"})
    await _moved(account_id, before, after, {"status"})


async def _moved(
    account_id: PydanticObjectId, before: Conversation, after: Conversation, fields: Set[str]
) -> bool:
    """Apply what follows a change; True if the queues were dispatched (the conversation
    may have been assigned meanwhile)."""
    assert after.id is not None
    at = after.updated_at or now()
    if after.status != before.status:
        await sla.on_status(account_id, after.id, after.status, at)
        if after.status == "resolved":
            await csat.on_resolved(account_id, after.id, at)
    if before.handler == "bot" and after.handler == "human":
        await sla.on_handed_to_people(account_id, after.id, at)
    if ROUTING_FIELDS & set(fields):
        await assignment.dispatch(account_id)  # freed capacity or a new queue entry
        return True
    return False
