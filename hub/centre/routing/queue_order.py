"""Queue positions in O(page): each queue's order kept in memory, current by the change stream.

Counting the conversations ahead of one costs the whole queue on the embedded server
(a count reads every index entry it counts: 6,000 waiting took 0.5 s to count and 2.3 s
to read and sort whole, at load 14). So each process keeps the order of the queues it
was asked about: a sorted list of keys (``queues.order_key``'s order: VIP, priority,
longest wait, id) built from one projected read, then kept current from the change
stream (``Realtime.listen``): a conversation change takes the conversation out of the
queue it was in and puts it back where it belongs if it is waiting. A position is then
a binary search: a page costs its rows, not the queue.

A queue read while a change of its account arrives is used once and not kept (it may
have missed that change); a kept order is read again in the background after
``REFRESH_SECONDS`` (so a deleted conversation, which the change stream does not carry,
leaves it in time; answers meanwhile use the kept one), and
at most ``MAX_QUEUES`` are kept, the least recently used dropped first.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId

from hub.models import Conversation
from hub.pipeline.realtime import Event
from hub.store import queues as queue_store
from hub.store.queues import QueueRow, WaitingStats

PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
REFRESH_SECONDS = 60.0
MAX_QUEUES = 512
Key = tuple[int, int, dt.datetime, str]
#: A queue: the account and the team as conversations store it (None: without a team).
QueueId = tuple[PydanticObjectId, str | None]


def key_of(row: QueueRow) -> Key:
    return (0 if row.vip else 1, PRIORITY_RANK.get(row.priority, 2), row.waited_from, str(row.id))


@dataclass
class Order:
    """One queue's waiting conversations as sorted keys (human-handled only), and their
    ``waiting_since`` times sorted, with their sum (the figures' ``WaitingStats``)."""

    keys: list[Key] = field(default_factory=list)
    by_id: dict[str, Key] = field(default_factory=dict)
    read_at: float = field(default_factory=time.monotonic)
    since: list[dt.datetime] = field(default_factory=list)
    since_by_id: dict[str, dt.datetime] = field(default_factory=dict)
    total_ms: int = 0

    @classmethod
    def of(cls, rows: list[QueueRow]) -> Order:
        order = cls()
        for row in rows:
            if row.handler == "human" and row.since is not None:
                order.by_id[str(row.id)] = key_of(row)
                order.since_by_id[str(row.id)] = row.since
        order.keys = sorted(order.by_id.values())
        order.since = sorted(order.since_by_id.values())
        order.total_ms = sum(map(_ms, order.since))
        return order

    def add(self, row: QueueRow) -> None:
        if row.since is None:
            return
        key = key_of(row)
        self.by_id[str(row.id)] = key
        bisect.insort(self.keys, key)
        self.since_by_id[str(row.id)] = row.since
        bisect.insort(self.since, row.since)
        self.total_ms += _ms(row.since)

    def remove(self, conversation_id: str) -> None:
        key = self.by_id.pop(conversation_id, None)
        if key is not None:
            _drop(self.keys, key)
        since = self.since_by_id.pop(conversation_id, None)
        if since is not None:
            _drop(self.since, since)
            self.total_ms -= _ms(since)

    def stats(self) -> WaitingStats:
        """The queue's sums, as ``hub.store.queues.waiting_stats`` reads them."""
        if not self.since:
            return WaitingStats()
        return WaitingStats(len(self.since), self.since[0], self.since[-1], self.total_ms)

    @property
    def ids(self) -> list[PydanticObjectId]:
        """The queue's conversations, head first."""
        return [PydanticObjectId(key[3]) for key in self.keys]

    @property
    def waited_from(self) -> list[dt.datetime]:
        """When each began waiting, head first."""
        return [key[2] for key in self.keys]

    def position(self, conversation_id: str) -> int | None:
        key = self.by_id.get(conversation_id)
        return None if key is None else bisect.bisect_left(self.keys, key) + 1


def _ms(at: dt.datetime) -> int:
    return (at - queue_store.EPOCH) // dt.timedelta(milliseconds=1)


def _drop(ordered: list[Any], value: object) -> None:
    at = bisect.bisect_left(ordered, value)
    if at < len(ordered) and ordered[at] == value:
        del ordered[at]


def _waits(doc: dict[str, object]) -> bool:
    """Waiting as ``hub.store.queues.waiting_filter`` reads it: open, for people, not
    assigned, and the customer wrote last (``waiting_since`` set)."""
    return (
        doc.get("status") == "open"
        and doc.get("assignee_id") is None
        and (doc.get("handler") or "human") == "human"
        and doc.get("waiting_since") is not None
    )


class QueueOrders:
    """The process's kept queue orders (see the module's docstring)."""

    def __init__(self) -> None:
        self._orders: OrderedDict[QueueId, Order] = OrderedDict()
        self._where: dict[str, QueueId] = {}
        self._changes: dict[PydanticObjectId, int] = {}
        self._refreshing: dict[QueueId, asyncio.Task[Order]] = {}

    def changed(self, event: Event) -> None:
        """A change of any account (``Realtime.listen(None, …)``)."""
        if not event.type.startswith("conversation.") or event.account_id is None:
            return
        account = event.account_id
        self._changes[account] = self._changes.get(account, 0) + 1
        doc = event.data
        cid = str(doc.get("_id"))
        old = self._where.pop(cid, None)
        if old is not None and old in self._orders:
            self._orders[old].remove(cid)
        team = doc.get("team_id")
        queue: QueueId = (account, team if isinstance(team, str) else None)
        order = self._orders.get(queue)
        if order is not None and _waits(doc):
            order.add(queue_store.queue_row(doc))
            self._where[cid] = queue

    async def order(self, account_id: PydanticObjectId, team: str | None) -> Order:
        queue: QueueId = (account_id, team)
        kept = self._orders.get(queue)
        if kept is None:
            return await self._read(queue)
        self._orders.move_to_end(queue)
        if time.monotonic() - kept.read_at >= REFRESH_SECONDS and queue not in self._refreshing:
            kept.read_at = time.monotonic()  # one refresh at a time; answers keep the kept one
            task = asyncio.create_task(self._read(queue), name="parley-queue-order")
            self._refreshing[queue] = task
            task.add_done_callback(lambda _: self._refreshing.pop(queue, None))
        return kept

    async def _read(self, queue: QueueId) -> Order:
        account_id, team = queue
        before = self._changes.get(account_id, 0)
        team_id = None if team is None else PydanticObjectId(team)
        order = Order.of(await queue_store.queue_rows(account_id, team_id))
        if self._changes.get(account_id, 0) == before:  # no change arrived meanwhile: keep it
            self._keep(queue, order)
        return order

    def _keep(self, queue: QueueId, order: Order) -> None:
        old = self._orders.pop(queue, None)
        for cid in old.by_id if old else ():
            self._where.pop(cid, None)
        self._orders[queue] = order
        for cid in order.by_id:
            self._where[cid] = queue
        while len(self._orders) > MAX_QUEUES:
            _, dropped = self._orders.popitem(last=False)
            for cid in dropped.by_id:
                self._where.pop(cid, None)

    async def position(self, conversation: Conversation) -> int | None:
        """1 for the head of its queue; None when it is not waiting."""
        found = await self.positions(conversation.account_id, [conversation])
        return found.get(str(conversation.id))

    async def positions(
        self, account_id: PydanticObjectId, convs: list[Conversation]
    ) -> dict[str, int]:
        """Queue positions of the waiting ones among ``convs`` by id: O(page) once kept."""
        out: dict[str, int] = {}
        for c in convs:
            if c.assignee_id is not None or c.status != "open" or c.handler != "human":
                continue
            at = (await self.order(account_id, c.team_id)).position(str(c.id))
            if at is not None:
                out[str(c.id)] = at
        return out
