"""Stopping background tasks reliably.

pymongo's async client can swallow a cancellation that arrives mid-operation;
the task then carries on (e.g. into a minute's sleep) and a shutdown that
awaits it hangs. ``stop`` cancels again until the task has really ended.
"""

from __future__ import annotations

import asyncio
import logging

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
