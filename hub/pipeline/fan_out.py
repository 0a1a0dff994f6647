"""One reader per process of the change events that only some accounts care about.

Webhook deliveries (``hub.integrations.event_webhooks``) and Web Push
(``hub.inbox.push_events``) both turn change events into stored work, but only for the
accounts that have a subscription, a bot or a device. The set of those accounts is kept
in memory and re-read when one of its own collections changes anywhere (their change
events mark it stale) or after ``INTEREST_SECONDS``, so the events of every other account
cost nothing here: under load they would otherwise cost reads per message and push the
reader behind the change stream.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub import tasks
from hub.pipeline.realtime import Event, Subscription
from hub.store.errors import DatabaseError

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)

#: Seconds between re-reads of the interested accounts, besides the immediate re-read
#: their own change events trigger.
INTEREST_SECONDS = 30.0


class InterestedFanOut:
    """Reads the process's change events and stores the work of the interested accounts."""

    #: Kinds of event (the type's first part) that change who is interested.
    interest_kinds: tuple[str, ...] = ()
    #: Kinds of event this reader turns into work.
    event_kinds: tuple[str, ...] = ()
    #: What the log calls this reader's events, and its task's name.
    what = "events"
    task_name = "parley-fan-out"

    def __init__(self, hub: Hub, on_new: Callable[[], None]) -> None:
        self.hub = hub
        self.on_new = on_new
        self._sub: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._interested: set[PydanticObjectId] = set()
        self._stale = True
        self._read_at = 0.0

    async def interested_accounts(self) -> set[PydanticObjectId]:
        """Every account that wants this reader's work (read across accounts)."""
        raise NotImplementedError

    async def deliver(self, event: Event) -> int:
        """Store the work of one event of an interested account; how many were stored."""
        raise NotImplementedError

    def _wanted(self, event: Event) -> bool:
        kind = event.type.split(".")[0]
        if kind in self.interest_kinds:
            self._stale = True
            return False
        if kind not in self.event_kinds:
            return False
        return self._stale or event.account_id in self._interested

    async def _refresh(self) -> None:
        if not self._stale and time.monotonic() - self._read_at < INTEREST_SECONDS:
            return
        self._stale = False  # changes from here on mark it stale again
        self._read_at = time.monotonic()
        self._interested = await self.interested_accounts()

    async def handle(self, event: Event) -> int:
        """Store the work of one change; returns how many this call stored."""
        await self._refresh()
        if event.account_id is None or event.account_id not in self._interested:
            return 0
        return await self.deliver(event)

    async def start(self) -> None:
        await self._refresh()
        self._sub = self.hub.realtime.subscribe(None, self._wanted)
        self._task = asyncio.create_task(self._run(self._sub), name=self.task_name)

    async def stop(self) -> None:
        if self._sub is not None:
            self.hub.realtime.unsubscribe(self._sub)
        await tasks.stop(self._task)

    async def _run(self, sub: Subscription) -> None:
        while True:
            event = await sub.get()
            if sub.lagged:
                log.warning("%s fell behind the change stream; some were skipped", self.what)
                sub.lagged = False
            try:
                if await self.handle(event):
                    self.on_new()
            except (DatabaseError, ValueError) as exc:
                log.warning("%s: %s not stored: %s", self.what, event.type, exc)
            except Exception:  # a bug must not stop every later event
                log.exception("%s: %s not stored", self.what, event.type)
