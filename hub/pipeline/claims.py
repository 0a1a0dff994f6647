"""The claim loop shared by the outbox dispatcher and the webhook delivery worker.

Both keep durable work in a collection with a due time; a worker claims due items
atomically (the claim moves the due time to the end of a lease), runs each in its
own task up to a concurrency limit, and sleeps until the next due time or until it
is woken. Subclasses say how to claim, how to process, and when the next item is due.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from typing import Generic, TypeVar

from hub import tasks
from hub.contract import now
from hub.store.database import DatabaseError

log = logging.getLogger(__name__)
T = TypeVar("T")


class ClaimLoop(Generic[T]):
    name = "claims"

    def __init__(self, concurrency: int) -> None:
        self.owner = uuid.uuid4().hex[:12]
        self.concurrency = concurrency
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
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
        return 5.0

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)

    # ------------------------------------------------------------------ the loop

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"parley-{self.name}")

    async def stop(self) -> None:
        await tasks.stop(self._task, *self._inflight)

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self.drain()
            except DatabaseError as exc:
                log.warning("%s: database error %s", self.name, exc)
                claimed = 0
            if claimed == 0:
                await self._sleep()

    async def _sleep(self) -> None:
        self._wake.clear()
        timeout = self.idle_poll()
        due = await self.next_due()
        if due is not None:
            timeout = max(0.0, min(timeout, (due - now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)

    async def drain(self) -> int:
        """Claim and start due items until none is due; returns how many were claimed."""
        claimed = 0
        while True:
            while len(self._inflight) >= self.concurrency:
                await asyncio.wait(self._inflight, return_when=asyncio.FIRST_COMPLETED)
            items = await self.claim_many(self.concurrency - len(self._inflight))
            if not items:
                return claimed
            claimed += len(items)
            for item in items:
                task = asyncio.create_task(self.process(item))
                self._inflight.add(task)
                task.add_done_callback(self._done)
