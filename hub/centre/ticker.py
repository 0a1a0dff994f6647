"""The contact centre's clock: what time alone changes, run by ``tick`` (tests call it directly).

- an available agent whose inbox streams are gone becomes offline (``presence.timeouts``);
- a conversation waiting longer than its team's ``overflow.after_minutes`` moves to the
  overflow team, with a note, and is recorded as ``transferred``;
- every account's queues are dispatched (a net under the event-driven dispatches: an
  absence that ended, a conversation reopened, a process that died mid-pass).

``CentreTicker`` runs ``tick`` every few seconds in each ``parley serve``; all of it is
safe to run in several processes at once (conditional updates, the routing lock).
"""

from __future__ import annotations

import datetime as dt
import logging

from beanie import PydanticObjectId

from hub import tasks
from hub.centre.routing import assignment, presence, queues
from hub.contract import DELIVERY_RANK, now
from hub.facts import activity
from hub.models import Account, Conversation, Message, Sender, Team
from hub.store import accounts as account_store
from hub.store import messages as message_store
from hub.store import queues as queue_store
from hub.store import teams as team_store

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 10.0


async def tick() -> dict[str, int]:
    """One round of the centre's timed work; returns what it changed (``offline``, ``overflowed``)."""
    offline = await presence.timeouts()
    moved = 0
    for account in await account_store.list_accounts_all_accounts():
        assert account.id is not None
        moved += await overflow(account)
        await assignment.dispatch(account.id)
    return {"offline": offline, "overflowed": moved}


async def overflow(account: Account) -> int:
    """Move conversations waiting past their team's minutes to its overflow team."""
    assert account.id is not None
    every = await team_store.all_teams(account.id)
    names = {str(t.id): t.name for t in every}
    moved = 0
    for team in every:
        if team.overflow is None or team.id is None:
            continue
        target = team.overflow.team_id
        if target not in names or target == str(team.id):
            continue
        limit = now() - dt.timedelta(minutes=team.overflow.after_minutes)
        for conversation in await queues.waiting(account.id, team.id):
            since = conversation.team_since or queues.waited_from(conversation)
            if since <= limit and await _move(account, conversation, team, target):
                moved += 1
                await _note(conversation, team, names[target])
    return moved


async def _move(account: Account, conversation: Conversation, team: Team, target: str) -> bool:
    assert account.id is not None and conversation.id is not None and team.id is not None
    if not await queue_store.move_to_team(
        account.id, conversation.id, team.id, PydanticObjectId(target)
    ):
        return False
    await activity.record(
        account.id,
        "transferred",
        tz=account.timezone,
        conversation_id=conversation.id,
        team_id=str(team.id),
        channel_id=str(conversation.channel_id),
        actor={"type": "system", "id": None},
        data={"from_team_id": str(team.id), "to_team_id": target, "reason": "overflow"},
    )
    return True


async def _note(conversation: Conversation, team: Team, target_name: str) -> None:
    """A private note in the thread: notes are never sent, so no outbox is involved."""
    assert team.overflow is not None
    text = (
        f"Moved from {team.name} to {target_name}: "
        f"waiting over {team.overflow.after_minutes} minutes."
    )
    at = now()
    note = Message(
        account_id=conversation.account_id,
        conversation_id=conversation.id,
        channel_id=conversation.channel_id,
        direction="out",
        text=text,
        sender=Sender(type="system", name="Parley"),
        private=True,
        delivery="sent",
        delivery_rank=DELIVERY_RANK["sent"],
        created_at=at,
        updated_at=at,
    )
    await message_store.insert_note(note)


class CentreTicker(tasks.Periodic):
    """Runs ``tick`` every ``interval`` seconds, the first after one interval; one per
    ``parley serve``."""

    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        super().__init__("centre", tick, interval, first="later")
