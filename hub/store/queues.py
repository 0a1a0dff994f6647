"""The queues: a team's waiting conversations, and the conditional updates that take one out.

A conversation waits in its team's queue (or the one without a team) while it is open,
handled by people, unassigned, and the customer wrote last (``waiting_since`` set: ingest
sets it, a reply that answers clears it, an automatic message leaves it). A business-
initiated conversation nobody has answered is not waiting. Reads use exactly the fields
of the (account, team, assignee, status, waiting_since) index (equality, then one range);
every change is one conditional update, so exactly one caller wins each. Conversations
keep their team as a string id: converted here, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from beanie import PydanticObjectId

from hub.contract import now
from hub.models import Conversation
from hub.store.paging import FLOOR


def _team_ref(team_id: PydanticObjectId | None) -> str | None:
    """Conversations keep their team as a string id (None: no team)."""
    return None if team_id is None else str(team_id)


def waiting_filter(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> dict[str, object]:
    """Waiting, as exactly the fields of the queue index: four equalities and a range on
    ``waiting_since`` (the customer wrote last). With ``handler`` as well, SecantusDB's
    planner scanned the whole collection (seen in ``explain``); bot conversations are
    dropped after."""
    return {
        "account_id": account_id,
        "team_id": _team_ref(team_id),
        "assignee_id": None,
        "status": "open",
        "waiting_since": {"$gte": FLOOR},
    }


async def waiting_in_queue(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> list[Conversation]:
    """The team's (None: without a team) waiting conversations handled by people."""
    found = await Conversation.find(waiting_filter(account_id, team_id)).to_list()
    return [c for c in found if c.handler == "human"]


async def waiting_since_in_queue(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> list[dt.datetime]:
    """When each waiting conversation of the team began to await an answer (aware times;
    a projection of two fields)."""
    found = Conversation.get_pymongo_collection().find(
        waiting_filter(account_id, team_id), {"handler": 1, "waiting_since": 1}
    )
    return [
        _aware(doc["waiting_since"])
        async for doc in found
        if doc.get("handler", "human") == "human" and doc.get("waiting_since")
    ]


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: A whole queue's projected rows in one reply (no ``getMore`` for a long queue).
ONE_BATCH = 100_000


async def claim_for_agent(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    team_id: PydanticObjectId | None,
    agent_id: PydanticObjectId,
) -> bool:
    """Give the conversation to ``agent_id`` if it is still waiting in ``team_id``'s queue."""
    result = await Conversation.get_pymongo_collection().update_one(
        {
            "_id": conversation_id,
            "account_id": account_id,
            "assignee_id": None,
            "status": "open",
            "handler": "human",
            "team_id": _team_ref(team_id),
        },
        # the assignment's time, as every assignment keeps it (handle time runs from it)
        {"$set": {"assignee_id": str(agent_id), "assigned_at": now(), "updated_at": now()}},
    )
    return bool(result.modified_count)


async def move_to_team(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    from_team: PydanticObjectId,
    to_team: PydanticObjectId,
) -> bool:
    """Move a still-waiting conversation from one team's queue to another's (overflow)."""
    result = await Conversation.get_pymongo_collection().update_one(
        {
            "_id": conversation_id,
            "account_id": account_id,
            "team_id": str(from_team),
            "assignee_id": None,
            "status": "open",
        },
        {"$set": {"team_id": str(to_team), "team_since": now(), "updated_at": now()}},
    )
    return bool(result.modified_count)


class QueueRow(NamedTuple):
    """What a waiting conversation's place in its queue depends on (``queue_rows``), and
    since when its customer waits (``waiting_since``, aware; None when not waiting)."""

    id: PydanticObjectId
    vip: bool
    priority: str
    waited_from: dt.datetime
    handler: str
    since: dt.datetime | None = None


def queue_row(doc: Mapping[str, object]) -> QueueRow:
    """A stored conversation's (or a change's document's) queue fields."""
    waited = doc.get("queued_at") or doc.get("waiting_since") or doc.get("created_at")
    if not isinstance(waited, dt.datetime):
        waited = dt.datetime.min
    if waited.tzinfo is None:
        waited = waited.replace(tzinfo=dt.UTC)
    since = doc.get("waiting_since")
    return QueueRow(
        PydanticObjectId(str(doc["_id"])),
        bool(doc.get("vip")),
        str(doc.get("priority") or "normal"),
        waited,
        str(doc.get("handler") or "human"),
        _aware(since) if isinstance(since, dt.datetime) else None,
    )


async def queue_rows(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> list[QueueRow]:
    """The team's waiting conversations' queue fields (a projection: no model is built)."""
    fields = {"vip": 1, "priority": 1, "queued_at": 1, "waiting_since": 1, "created_at": 1}
    found = Conversation.get_pymongo_collection().find(
        waiting_filter(account_id, team_id), {**fields, "handler": 1}, batch_size=ONE_BATCH
    )
    return [queue_row(doc) async for doc in found]


class WaitingStats(NamedTuple):
    """A queue's waiting conversations handled by people, summed up: how many, the oldest
    and newest ``waiting_since`` (aware), and the sum of them all in milliseconds since
    the epoch (with ``waiting``, the average wait at any time, exactly)."""

    waiting: int = 0
    oldest: dt.datetime | None = None
    newest: dt.datetime | None = None
    total_ms: int = 0

    @classmethod
    def of(cls, since: list[dt.datetime]) -> WaitingStats:
        """The same sums over times read one by one (stored times are whole milliseconds)."""
        if not since:
            return cls()
        total = sum((_aware(s) - EPOCH) // dt.timedelta(milliseconds=1) for s in since)
        return cls(len(since), _aware(min(since)), _aware(max(since)), total)


async def waiting_stats(
    account_id: PydanticObjectId, team_id: PydanticObjectId | None
) -> WaitingStats:
    """``WaitingStats`` of the team's queue (None: without a team) in one aggregate over
    the queue index: no conversation leaves the database, and the cost in commands is
    one whatever the queue's length (the server still reads each waiting entry)."""
    pipeline: list[dict[str, object]] = [
        {"$match": waiting_filter(account_id, team_id)},
        {"$match": {"handler": {"$in": ["human", None]}}},  # missing: a person's (the default)
        {
            "$group": {
                "_id": None,
                "waiting": {"$sum": 1},
                "oldest": {"$min": "$waiting_since"},
                "newest": {"$max": "$waiting_since"},
                "total_ms": {"$sum": {"$toLong": "$waiting_since"}},
            }
        },
    ]
    cursor = await Conversation.get_pymongo_collection().aggregate(pipeline)
    found = await cursor.to_list()
    if not found:
        return WaitingStats()
    doc = found[0]
    return WaitingStats(
        int(doc["waiting"]), _aware(doc["oldest"]), _aware(doc["newest"]), int(doc["total_ms"])
    )
