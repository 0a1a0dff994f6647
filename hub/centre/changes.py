"""Changing a conversation's handling: the store's checked update, then the queues.

``update_conversation`` is what the API and the inbox call to change status, assignee,
team, labels or priority: ``hub.store.conversations.update_conversation`` checks and
writes it (a conversation moved to a team or unassigned starts waiting there now), and
when the change can free an agent or fill a queue (assignee, team, status, handler) the
account's queues are dispatched at once (``hub.centre.routing.assignment``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId

from hub.centre.csat import answers as csat
from hub.centre.routing import assignment
from hub.centre.sla import clocks as sla
from hub.errors import HubError
from hub.models import Conversation
from hub.store import conversations
from hub.store.labels import normalize

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


#: At most this many conversations in one bulk change.
MAX_BULK = 100
LABEL_CHANGES = ("add_labels", "remove_labels")


@dataclass(frozen=True)
class BulkError:
    id: str
    code: str
    message: str


@dataclass
class BulkResult:
    updated: int = 0
    errors: list[BulkError] = field(default_factory=list)


async def bulk_update(
    account_id: PydanticObjectId,
    ids: Sequence[str],
    changes: Mapping[str, Any],
    actor: dict[str, Any] | None = None,
    refuse: Callable[[Conversation], BulkError | None] | None = None,
) -> BulkResult:
    """The same change on many conversations, each one through ``update_conversation``
    (the rules, facts, SLA clocks and queues of a single change).

    ``add_labels`` and ``remove_labels`` become each conversation's own ``labels``; one
    conversation's refusal (``refuse``, another account's id, a rule) is reported with
    its id and the rest go on. ``ids`` beyond ``MAX_BULK`` are the caller's to refuse.
    """
    added = [normalize(x) for x in changes.get("add_labels") or [] if normalize(x)]
    removed = {normalize(x) for x in changes.get("remove_labels") or []}
    plain = {k: v for k, v in changes.items() if k not in LABEL_CHANGES}
    result = BulkResult()
    for raw in dict.fromkeys(ids):
        try:
            conversation = await conversations.get_conversation(account_id, raw)
            refusal = refuse(conversation) if refuse else None
            if refusal is not None:
                result.errors.append(refusal)
                continue
            change = dict(plain)
            if added or removed:
                kept = [x for x in conversation.labels if x not in removed]
                change["labels"] = list(dict.fromkeys([*kept, *added]))
            await update_conversation(account_id, raw, change, actor)
            result.updated += 1
        except HubError as exc:
            result.errors.append(BulkError(raw, exc.code, exc.message))
    return result
