"""The contact centre's timed work in every ``parley serve``: SLA breaches and due surveys.

Every ``INTERVAL_SECONDS`` (and at once when a survey becomes due anywhere) the loop
calls ``hub.centre.sla.clocks.tick`` and ``hub.centre.csat.surveys.send_due``. Both claim their
work in the database, so any number of processes may run the loop; tests call
``run_once``. (``sla.breached`` and ``csat.received`` are sent by
``hub.integrations.event_webhooks`` from the changes these make.)
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from hub import tasks
from hub.centre.csat import surveys
from hub.centre.sla import clocks as sla
from hub.pipeline.realtime import Event, Subscription

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 15.0


async def run_once(hub: Hub) -> tuple[int, int]:
    """One pass: (breaches recorded, surveys sent) by this call."""
    breaches = await sla.tick()
    sent = await surveys.send_due(hub)
    return breaches, sent


class Timers(tasks.Periodic):
    """Calls ``run_once`` every ``interval`` seconds, and at once when a survey becomes due."""

    def __init__(self, hub: Hub, interval: float = INTERVAL_SECONDS) -> None:
        self.hub = hub
        self._sub: Subscription | None = None
        super().__init__("centre-timers", functools.partial(run_once, hub), interval)

    def _wanted(self, event: Event) -> bool:
        if (
            event.type == "conversation.updated"
            and "csat_due_at" in event.changed
            and event.data.get("csat_due_at") is not None
        ):
            self.wake()
        return False  # never queued: only the wake-up matters

    async def start(self) -> None:
        self._sub = self.hub.realtime.subscribe(None, self._wanted)
        await super().start()

    async def stop(self) -> None:
        if self._sub is not None:
            self.hub.realtime.unsubscribe(self._sub)
        await super().stop()
