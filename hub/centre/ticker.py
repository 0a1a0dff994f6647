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

import asyncio
import datetime as dt
import logging
from typing import TYPE_CHECKING

from hub import tasks
from hub.centre import activity, assignment, presence, queues
from hub.contract import now
from hub.models import Account, Conversation, Sender, Team

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 10.0


async def tick(hub: Hub) -> dict[str, int]:
    """One round of the centre's timed work; returns what it changed."""
    offline = await presence.timeouts()
    moved = 0
    for account in await Account.find_all().to_list():
        assert account.id is not None
        moved += await overflow(hub, account)
        await assignment.dispatch(account.id)
    return {"offline": offline, "overflowed": moved}


async def overflow(hub: Hub, account: Account) -> int:
    """Move conversations waiting past their team's minutes to its overflow team."""
    assert account.id is not None
    every = await Team.find(Team.account_id == account.id).to_list()
    names = {str(t.id): t.name for t in every}
    moved = 0
    for team in every:
        if team.overflow is None:
            continue
        target = team.overflow.team_id
        if target not in names or target == str(team.id):
            continue
        limit = now() - dt.timedelta(minutes=team.overflow.after_minutes)
        for conversation in await queues.waiting(account.id, str(team.id)):
            since = conversation.team_since or queues.waited_from(conversation)
            if since <= limit and await _move(account, conversation, team, target):
                moved += 1
                await _note(hub, conversation, team, names[target])
    return moved


async def _move(account: Account, conversation: Conversation, team: Team, target: str) -> bool:
    result = await Conversation.get_pymongo_collection().update_one(
        {
            "_id": conversation.id,
            "account_id": account.id,
            "team_id": str(team.id),
            "assignee_id": None,
            "status": "open",
        },
        {"$set": {"team_id": target, "team_since": now(), "updated_at": now()}},
    )
    if not result.modified_count:
        return False
    assert account.id is not None
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


async def _note(hub: Hub, conversation: Conversation, team: Team, target_name: str) -> None:
    from hub.pipeline import outbox  # outbox → ingest → hub.centre: import at use

    assert team.overflow is not None
    text = (
        f"Moved from {team.name} to {target_name}: "
        f"waiting over {team.overflow.after_minutes} minutes."
    )
    try:
        await outbox.enqueue(
            hub, conversation, text=text, private=True, sender=Sender(type="system", name="Parley")
        )
    except outbox.OutboxError as exc:
        log.warning("overflow note of %s not stored: %s", conversation.id, exc.message)


class CentreTicker:
    """Runs ``tick`` every ``interval`` seconds; one per ``parley serve``."""

    def __init__(self, hub: Hub, interval: float = INTERVAL_SECONDS) -> None:
        self.hub = hub
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="parley-centre")

    async def stop(self) -> None:
        await tasks.stop(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await tick(self.hub)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("contact centre tick failed")
