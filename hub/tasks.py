"""The hub's background work: periodic tasks, fire-and-forget work, and stopping both reliably.

``Periodic`` is the one way the hub runs something every so often (the housekeeping
sweep, the centre's tick, calendar polls, the retention purge…):

- ``start``/``stop``; a round every ``interval`` seconds plus up to ``jitter``, the first
  one at once or, with ``first="later"``, after one interval;
- ``wake()`` runs the next round at once (a wake-up that arrives during a round runs
  one more, so nothing asked for is missed);
- ``lease=True`` when only one process may run a round: each round is taken in
  ``leases`` under the task's name for ``interval`` seconds, the others skip it;
- a failing round is logged with the task's name and the next one runs as planned:
  the loop never dies of an error.

Tests call the task's body (or ``run_once``) directly, with the hub's clock set by
``hub.contract.set_clock``; nothing else in the hub sleeps on a timer of its own.

``stop``: pymongo's async client can swallow a cancellation that arrives mid-operation;
the task then carries on (e.g. into a minute's sleep) and a shutdown that awaits it
hangs. ``stop`` cancels again until the task has really ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Literal, Protocol

from hub.contract import now
from hub.store import leases

log = logging.getLogger(__name__)
RECANCEL_SECONDS = 0.5


async def stop(*tasks: asyncio.Task[object] | None, limit: float = 15.0) -> None:
    """Cancel ``tasks`` and wait for them to end, re-cancelling any that swallow it."""
    pending = {t for t in tasks if t is not None and not t.done()}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)
        if pending and loop.time() > deadline:
            log.warning(
                "tasks did not stop within %.0f s: %s", limit, [t.get_name() for t in pending]
            )
            return
    for ended in tasks:
        if ended is not None and ended.done() and not ended.cancelled() and ended.exception():
            log.warning("task %s ended with %r", ended.get_name(), ended.exception())


class Background:
    """Fire-and-forget work of one app (number look-ups after a webhook was answered).

    Holds the tasks so they are not garbage-collected mid-flight, logs their failures,
    and cancels what is left when the app stops.
    """

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    def spawn(self, coro: Coroutine[Any, Any, object], name: str) -> asyncio.Task[object]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task %s failed: %r", task.get_name(), task.exception())

    async def idle(self) -> None:
        """Wait until every task spawned so far has ended (tests, shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def start(self) -> None:
        """Nothing to start: work is spawned as it comes (a ``Worker`` in the app's list)."""

    async def stop(self) -> None:
        await stop(*self._tasks)


class Worker(Protocol):
    """What the app starts in order and stops in reverse (``hub.app``)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def _is_database_error(exc: Exception) -> bool:
    """pymongo's errors (the driver stays behind the store: known by their module)."""
    return type(exc).__module__.split(".")[0] == "pymongo"


class Periodic:
    """Runs ``body`` every ``interval`` seconds until stopped (see the module's docstring)."""

    def __init__(
        self,
        name: str,
        body: Callable[[], Awaitable[object]],
        interval: float,
        *,
        jitter: float = 0.0,
        first: Literal["now", "later"] = "now",
        lease: bool = False,
    ) -> None:
        self.name = name
        self._body = body
        self.interval = interval
        self.jitter = jitter
        self._first = first
        self._leased = lease
        #: Who holds the round's lease (this process's task).
        self.owner = uuid.uuid4().hex[:12]
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Run the next round now (or one more, when a round is running)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        if not self.running:
            self._task = asyncio.create_task(self._loop(), name=f"parley-{self.name}")

    async def stop(self) -> None:
        await stop(self._task)
        self._task = None

    async def run_once(self) -> bool:
        """One round now; False when another process holds the round or the round failed."""
        try:
            if self._leased and not await leases.take_round(
                self.name, self.owner, now(), dt.timedelta(seconds=self.interval)
            ):
                return False
            await self._body()
        except Exception as exc:  # a failing round never ends the loop
            if _is_database_error(exc):
                log.warning("%s: database error %s", self.name, exc)
            else:
                log.exception("%s failed", self.name)
            return False
        return True

    async def _loop(self) -> None:
        if self._first == "later":
            await self._pause()
        while True:
            self._wake.clear()
            await self.run_once()
            await self._pause()

    async def _pause(self) -> None:
        """Wait one interval (plus jitter), or less when woken. A work queue overrides it
        to wait for its next due item instead (``hub.pipeline.claims.ClaimLoop``)."""
        delay = self.interval + (random.uniform(0.0, self.jitter) if self.jitter else 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
