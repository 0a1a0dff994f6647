"""Automatic assignment: the head of a team's queue goes to a member who can take it.

``dispatch(account_id)`` runs one assignment pass over every team of the account whose
``assignment`` is ``round_robin`` or ``least_busy``. It is called the moment something can
change the answer: a conversation arrives (``hub.pipeline.arrivals``), a bot hands over, a
conversation is resolved, unassigned or transferred (``hub.store.conversations``), an agent
becomes available (presence), and by the centre's tick (``hub.centre.ticker``) as a net.

Exactly once across processes: a pass runs under the account's ``RoutingLock`` (an atomic
claim on one document). A process that finds the lock held sets ``pending`` on it, and the
holder runs one more pass before it lets go, so no arrival is left waiting (the caller
also waits briefly for the lock, to see its own change assigned when it returns). Each
conversation is then claimed with a conditional update (still unassigned, open, human), so
a person taking it by hand at the same moment wins cleanly.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from beanie import PydanticObjectId

from hub.centre.routing import availability, queues
from hub.facts import activity
from hub.models import Team, User
from hub.store import accounts as account_store
from hub.store import queues as queue_store
from hub.store import routing_locks
from hub.store import teams as team_store
from hub.store import users as user_store

log = logging.getLogger(__name__)
LEASE = dt.timedelta(seconds=30)
AUTOMATIC = team_store.AUTOMATIC
MAX_PASSES = 20
#: How long a dispatch waits for a busy lock before leaving its work to the holder.
WAIT_SECONDS = 1.0


class _Lock:
    """The account's routing lock, held by one dispatch call at a time."""

    def __init__(self, account_id: PydanticObjectId) -> None:
        self.account_id = account_id
        self.owner = uuid.uuid4().hex

    async def _take(self) -> bool:
        return await routing_locks.take(self.account_id, self.owner, LEASE)

    async def acquire(self) -> bool:
        """Take the lock, or leave a request for one more pass with whoever holds it.

        A caller that finds it held asks for that pass (``pending``), then waits a moment
        for the lock itself, so that when ``dispatch`` returns a pass that saw the caller's
        change has usually run (an arrival's webhook answer then shows the assignment).
        Past ``WAIT_SECONDS`` it leaves the work to the holder's extra pass.
        """
        if await self._take():
            return True
        await routing_locks.ask_for_pass(self.account_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while True:
            if await self._take():
                return True
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.02)

    async def release(self) -> bool:
        """Let go unless more work was asked for meanwhile (then False: run again)."""
        if await routing_locks.release(self.account_id, self.owner):
            return True
        # lost the lock (lease ran out): stop
        return not await routing_locks.renew_for_pass(self.account_id, self.owner, LEASE)

    async def abandon(self) -> None:
        await routing_locks.abandon(self.account_id, self.owner)


async def dispatch(account_id: PydanticObjectId) -> int:
    """Assign every queue head that someone can take now; returns how many were assigned."""
    if not await team_store.has_automatic(account_id):
        return 0  # every team assigns by hand: no lock, no pass
    lock = _Lock(account_id)
    if not await lock.acquire():
        return 0
    total = 0
    try:
        for _ in range(MAX_PASSES):
            total += await _pass(account_id)
            if await lock.release():
                return total
        await lock.abandon()
    except BaseException:
        await lock.abandon()
        raise
    return total


async def _pass(account_id: PydanticObjectId) -> int:
    teams = await team_store.automatic_teams(account_id)
    if not teams:
        return 0
    users = await user_store.active_users(account_id)
    eligible = {str(u.id): u for u in users if availability.routable(u)}
    if not eligible:
        return 0
    load = await availability.loads(account_id, [u.id for u in eligible.values() if u.id])
    tz = await _timezone(account_id)
    assigned = 0
    for team in teams:
        assigned += await _fill(team, eligible, load, tz)
    return assigned


async def _timezone(account_id: PydanticObjectId) -> str:
    account = await account_store.get_account(account_id)
    return account.timezone if account else "UTC"


async def _fill(team: Team, eligible: dict[str, User], load: dict[str, int], tz: str) -> int:
    members = [eligible[m] for m in team.member_ids if m in eligible]
    if not members:
        return 0
    assigned = 0
    assert team.id is not None
    for conversation in await queues.waiting(team.account_id, team.id):
        agent = pick(team, members, load)
        if agent is None:
            break
        assert agent.id is not None and conversation.id is not None
        claimed = await queue_store.claim_for_agent(
            team.account_id, conversation.id, team.id, agent.id
        )
        if not claimed:
            continue
        load[str(agent.id)] = load.get(str(agent.id), 0) + 1
        assigned += 1
        if team.assignment == "round_robin":
            team.rr_last = str(agent.id)
            await team_store.set_rr_last(team.account_id, team.id, agent.id)
        await activity.record(
            team.account_id,
            "assigned",
            tz=tz,
            conversation_id=conversation.id,
            user_id=str(agent.id),
            team_id=str(team.id),
            channel_id=str(conversation.channel_id),
            actor={"type": "system", "id": None},
            data={"by": team.assignment},
        )
    return assigned


def pick(team: Team, members: list[User], load: dict[str, int]) -> User | None:
    """The member the team's rule gives the next conversation to, among those with room."""
    free = [u for u in members if availability.has_room(u, load.get(str(u.id), 0))]
    if not free:
        return None
    if team.assignment == "least_busy":
        return min(free, key=lambda u: (load.get(str(u.id), 0), members.index(u)))
    order = [str(u.id) for u in members]
    start = order.index(team.rr_last) + 1 if team.rr_last in order else 0
    rotated = order[start:] + order[:start]
    free_ids = {str(u.id) for u in free}
    chosen = next(uid for uid in rotated if uid in free_ids)
    return next(u for u in free if str(u.id) == chosen)
