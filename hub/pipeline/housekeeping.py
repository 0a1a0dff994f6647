"""Housekeeping: timed changes no request triggers, swept once a minute by every serve process.

Each sweep is one idempotent update, so several processes running it at once agree.
- A conversation resolved more than ``REOPEN_WINDOW`` ago is retired (its thread key
  becomes its own id), so the contact's next message opens a new conversation.
- A snoozed conversation whose time has come is opened again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from hub import tasks
from hub.contract import now
from hub.store import conversations
from hub.store.database import DatabaseError

log = logging.getLogger(__name__)
REOPEN_WINDOW = dt.timedelta(days=7)
INTERVAL_SECONDS = 60.0


async def sweep() -> None:
    at = now()
    await conversations.retire_resolved_all_accounts(at - REOPEN_WINDOW)
    await conversations.wake_snoozed_all_accounts(at)


class Housekeeper:
    def __init__(self, interval: float = INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="parley-housekeeping")

    async def stop(self) -> None:
        await tasks.stop(self._task)

    async def _run(self) -> None:
        while True:
            try:
                await sweep()
            except DatabaseError as exc:
                log.warning("housekeeping sweep failed: %s", exc)
            await asyncio.sleep(self.interval)
