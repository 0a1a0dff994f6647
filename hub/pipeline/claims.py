"""The claim loop shared by the outbox dispatcher and the webhook delivery worker.

Both keep durable work in a collection with a due time; a worker claims due items
atomically (the claim moves the due time to the end of a lease), runs each in its
own task up to a concurrency limit, and sleeps until the next due time or until it
is woken. Subclasses say how to claim, how to process, and when the next item is due.

It is a ``hub.tasks.Periodic`` whose round is a drain and whose wait is its own: none
after a round that claimed (more may be due), else until the next item is due, at most
``idle_poll`` seconds, or until woken.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import Generic, TypeVar

from hub import tasks
from hub.contract import now

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaimLoop(tasks.Periodic, Generic[T]):
    name = "claims"

    def __init__(self, concurrency: int) -> None:
        super().__init__(self.name, self._round, interval=5.0)
        self.concurrency = concurrency
        self._drained = 0
        self._inflight: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ to implement

    async def claim(self) -> T | None:
        raise NotImplementedError

    async def claim_many(self, room: int) -> list[T]:
        """Up to ``room`` items at once; by default one ``claim``. Batching subclasses
        (the dispatcher) read the due items once and claim several."""
        item = await self.claim()
        return [] if item is None else [item]

    async def process(self, item: T) -> None:
        raise NotImplementedError

    async def next_due(self) -> dt.datetime | None:
        """When the earliest item becomes due (None: nothing waits)."""
        raise NotImplementedError

    def idle_poll(self) -> float:
        """Longest sleep when nothing is due: a safety net behind the wake-ups."""
        return self.interval

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)

    def in_use(self) -> int:
        """Slots taken: items being processed (the dispatcher adds those it reserved)."""
        return len(self._inflight)

    def start_item(self, item: T) -> None:
        """Process ``item`` in its own task, counted in ``_inflight``."""
        task = asyncio.create_task(self.process(item))
        self._inflight.add(task)
        task.add_done_callback(self._done)

    # ------------------------------------------------------------------ the loop

    async def stop(self) -> None:
        await tasks.stop(self._task, *self._inflight)
        self._task = None

    async def _round(self) -> None:
        self._drained = 0  # a failed drain (logged by ``run_once``) counts as none
        self._drained = await self.drain()

    async def _pause(self) -> None:
        if self._drained:
            return
        self._wake.clear()
        timeout = self.idle_poll()
        try:
            due = await self.next_due()
        except Exception as exc:  # the wait falls back on the idle poll; the loop goes on
            log.warning("%s: next due time not read: %s", self.name, exc)
            due = None
        if due is not None:
            timeout = max(0.0, min(timeout, (due - now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def drain(self) -> int:
        """Claim and start due items until none is due; returns how many were claimed."""
        claimed = 0
        while True:
            while self.in_use() >= self.concurrency:
                if not self._inflight:  # slots reserved for hand-offs, which wake the loop
                    return claimed
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            items = await self.claim_many(self.concurrency - self.in_use())
            if not items:
                return claimed
            claimed += len(items)
            for item in items:
                self.start_item(item)
