"""The one path of every change to a conversation's status, assignee, team or handler.

``update_conversation`` is what the API, the inbox and take-over call to change status,
assignee, team, labels or priority: ``hub.store.conversations.update_conversation``
checks and writes it (a conversation moved to a team or unassigned starts waiting there
now; the handling facts are written with it). Changes made by a conditional write of
their own report it: a contact merge through ``merge_contacts``, a bot's hand-over (``hub.integrations.bots``) through
``handed_to_people``, a snooze's wake-up (``hub.pipeline.housekeeping``) through ``woke``. Either way ``_moved`` applies what follows, the same for all:

- a status change moves the SLA clocks (resolve stops them, pending pauses, open
  resumes); a resolution makes the CSAT survey due;
- a hand-over from a bot starts the clocks as for a new conversation for people;
- a transfer (to another person or team) or a bot's hand-over adds assist's summary as a
  private note when the account has ``summarize`` on and the caller gave the hub
  (``hub.assist.notes``, in the background);
- a change that can free an agent or fill a queue (assignee, team, status, handler)
  dispatches the account's queues at once (``hub.centre.routing.assignment``).

The queues, the wallboard and the events follow from the stored change (the change
stream); the live figures read it (``hub.centre.reports.live``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from hub.assist import notes
from hub.centre.csat import answers as csat
from hub.centre.routing import assignment, vip
from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.errors import HubError
from hub.models import Conversation
from hub.store import contact_merge, conversations
from hub.store.labels import normalize

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

ROUTING_FIELDS = {"assignee_id", "team_id", "status", "handler"}


async def update_conversation(
    account_id: PydanticObjectId,
    conversation_id: str,
    changes: dict[str, Any],
    actor: dict[str, Any] | None = None,
    hub: Hub | None = None,
) -> Conversation:
    """Change a conversation (``actor``: who did it, for the handling facts), then what
    follows from it (``_moved``; with ``hub``, assist's summary note on a transfer)."""
    before = await conversations.get_conversation(account_id, conversation_id)
    updated = await conversations.update_conversation(account_id, conversation_id, changes, actor)
    if await _moved(account_id, before, updated, set(changes), hub):
        updated = await conversations.get_conversation(account_id, conversation_id)
    return updated


async def handed_to_people(
    account_id: PydanticObjectId, conversation: Conversation, hub: Hub | None = None
) -> None:
    """A bot's conversation came to people (stored by the hand-over's own atomic write):
    the clocks start as for a new conversation, and the queues are dispatched."""
    before = conversation.model_copy(update={"handler": "bot"})
    await _moved(account_id, before, conversation, {"handler", "status", "team_id"}, hub)


async def woke(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    """A snoozed conversation was opened again by the housekeeping sweep (its own
    conditional write): the clocks resume and the queues are dispatched."""
    after = await conversations.get_conversation(account_id, str(conversation_id))
    before = after.model_copy(update={"status": "snoozed"})
    await _moved(account_id, before, after, {"status"})


async def merge_contacts(
    account_id: PydanticObjectId, keep_id: str, other_id: str
) -> contact_merge.Merged:
    """Fold contact ``other_id`` into ``keep_id`` (``hub.store.contact_merge``): their
    conversations move to the kept contact (the change stream carries each change to the
    events and the queues). When the merged contact is a VIP (marked, or an address of
    either on the VIP list), its open conversations become VIP and the queues are
    dispatched at once, VIP first."""
    merged = await contact_merge.merge_contacts(account_id, keep_id, other_id)
    contact = merged.contact
    if contact.id is None or not await vip.is_vip(account_id, contact, contact.primary_address):
        return merged
    if await contact_merge.mark_vip(account_id, contact.id):
        await assignment.dispatch(account_id)
    return merged


async def _moved(
    account_id: PydanticObjectId,
    before: Conversation,
    after: Conversation,
    fields: Set[str],
    hub: Hub | None = None,
) -> bool:
    """Apply what follows a change; True if the queues were dispatched (the conversation
    may have been assigned meanwhile)."""
    assert after.id is not None
    at = after.updated_at or now()
    if hub is not None:  # assist's summary note, made in the background
        if before.handler == "bot" and after.handler == "human":
            notes.summary_note_later(hub, account_id, after.id, "handover")
        elif after.transfers > before.transfers:
            notes.summary_note_later(hub, account_id, after.id, "transfer")
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
