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
from pymongo.errors import DuplicateKeyError

from hub.centre.routing import availability, queues
from hub.contract import now
from hub.facts import activity
from hub.models import Account, Conversation, RoutingLock, Team, User

log = logging.getLogger(__name__)
LEASE = dt.timedelta(seconds=30)
AUTOMATIC = ["round_robin", "least_busy"]
MAX_PASSES = 20
#: How long a dispatch waits for a busy lock before leaving its work to the holder.
WAIT_SECONDS = 1.0


class _Lock:
    """The account's routing lock, held by one dispatch call at a time."""

    def __init__(self, account_id: PydanticObjectId) -> None:
        self.key = str(account_id)
        self.owner = uuid.uuid4().hex
        self.collection = RoutingLock.get_pymongo_collection()

    async def _take(self) -> bool:
        held = {"owner": self.owner, "until": now() + LEASE, "pending": False}
        try:
            result = await self.collection.update_one(
                {"_id": self.key, "owner": None}, {"$set": held}, upsert=True
            )
        except DuplicateKeyError:
            result = None  # someone holds it
        if result is not None and (result.modified_count or result.upserted_id is not None):
            return True
        stale = await self.collection.update_one(
            {"_id": self.key, "until": {"$lt": now()}}, {"$set": held}
        )
        return bool(stale.modified_count)

    async def acquire(self) -> bool:
        """Take the lock, or leave a request for one more pass with whoever holds it.

        A caller that finds it held asks for that pass (``pending``), then waits a moment
        for the lock itself, so that when ``dispatch`` returns a pass that saw the caller's
        change has usually run (an arrival's webhook answer then shows the assignment).
        Past ``WAIT_SECONDS`` it leaves the work to the holder's extra pass.
        """
        if await self._take():
            return True
        await self.collection.update_one({"_id": self.key}, {"$set": {"pending": True}})
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
        done = await self.collection.update_one(
            {"_id": self.key, "owner": self.owner, "pending": False},
            {"$set": {"owner": None, "until": None}},
        )
        if done.modified_count:
            return True
        again = await self.collection.update_one(
            {"_id": self.key, "owner": self.owner},
            {"$set": {"pending": False, "until": now() + LEASE}},
        )
        return not again.modified_count  # lost the lock (lease ran out): stop

    async def abandon(self) -> None:
        await self.collection.update_one(
            {"_id": self.key, "owner": self.owner}, {"$set": {"owner": None, "until": None}}
        )


async def dispatch(account_id: PydanticObjectId) -> int:
    """Assign every queue head that someone can take now; returns how many were assigned."""
    automatic = await Team.get_pymongo_collection().find_one(
        {"account_id": account_id, "assignment": {"$in": AUTOMATIC}}, {"_id": 1}
    )
    if automatic is None:
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
    teams = await Team.find({"account_id": account_id, "assignment": {"$in": AUTOMATIC}}).to_list()
    if not teams:
        return 0
    users = await User.find(User.account_id == account_id, User.active == True).to_list()  # noqa: E712
    eligible = {str(u.id): u for u in users if availability.routable(u)}
    if not eligible:
        return 0
    load = await availability.loads(account_id, list(eligible))
    tz = await _timezone(account_id)
    assigned = 0
    for team in teams:
        assigned += await _fill(team, eligible, load, tz)
    return assigned


async def _timezone(account_id: PydanticObjectId) -> str:
    account = await Account.get(account_id)
    return account.timezone if account else "UTC"


async def _fill(team: Team, eligible: dict[str, User], load: dict[str, int], tz: str) -> int:
    members = [eligible[m] for m in team.member_ids if m in eligible]
    if not members:
        return 0
    assigned = 0
    for conversation in await queues.waiting(team.account_id, str(team.id)):
        agent = pick(team, members, load)
        if agent is None:
            break
        if not await _claim(conversation, agent):
            continue
        load[str(agent.id)] = load.get(str(agent.id), 0) + 1
        assigned += 1
        if team.assignment == "round_robin":
            team.rr_last = str(agent.id)
            await Team.get_pymongo_collection().update_one(
                {"_id": team.id, "account_id": team.account_id}, {"$set": {"rr_last": team.rr_last}}
            )
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


async def _claim(conversation: Conversation, agent: User) -> bool:
    """Give the conversation to ``agent`` if it is still waiting (exactly one claim wins)."""
    result = await Conversation.get_pymongo_collection().update_one(
        {
            "_id": conversation.id,
            "account_id": conversation.account_id,
            "assignee_id": None,
            "status": "open",
            "handler": "human",
            "team_id": conversation.team_id,
        },
        {"$set": {"assignee_id": str(agent.id), "updated_at": now()}},
    )
    return bool(result.modified_count)
