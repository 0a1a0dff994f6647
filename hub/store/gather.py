"""Gathering concurrent writes into batches: the window and flush shared by the batchers.

A caller hands its item to ``Gatherer.submit`` and waits. The first item of a batch waits
``window`` seconds for company (or until ``max_batch`` items wait); the batch is then
written by the subclass's ``write`` and each caller gets its own result, or the batch's
error. Items arriving while a batch is written gather for the next one; up to
``in_flight`` batches are written at once (the database runs concurrent commands on its
cores, while one bulk write runs its operations one by one). Used by
``hub.store.status_batch`` (status callbacks) and ``hub.store.send_results`` (the
dispatcher's outcomes).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Generic, TypeVar

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")

#: How long the first item of a batch waits for company (seconds).
WINDOW = 0.003
MAX_BATCH = 64
IN_FLIGHT = 4


class Gatherer(Generic[I, R]):
    """Collects items and writes them in small batches (``write``: one result per item)."""

    def __init__(
        self, window: float = WINDOW, max_batch: int = MAX_BATCH, in_flight: int = IN_FLIGHT
    ) -> None:
        self.window = window
        self.max_batch = max_batch
        self._pending: list[tuple[I, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._full = asyncio.Event()
        self._slots = asyncio.Semaphore(in_flight)
        self._writing: set[asyncio.Task[Any] | None] = set()
        self.batches = 0
        self.items = 0

    async def write(self, batch: list[I]) -> list[R]:
        raise NotImplementedError

    async def submit(self, item: I) -> R:
        """Write ``item`` with the next batch; its result once the batch is written.
        Raises the batch's error (then nothing of it may be assumed written)."""
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if len(self._pending) >= self.max_batch:
            self._full.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())
        return await asyncio.shield(done)

    async def _flush_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), self.window)
        async with self._slots:
            self._full.clear()
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            # Items arriving from now on gather for the next batch, written alongside.
            self._flusher = asyncio.create_task(self._flush_soon()) if self._pending else None
            task = asyncio.current_task()
            if task is not None:  # kept referenced while it writes, once no longer the flusher
                self._writing.add(task)
            try:
                await self._write_batch(batch)
            finally:
                self._writing.discard(task)

    async def _write_batch(self, batch: list[tuple[I, asyncio.Future[R]]]) -> None:
        try:
            results = await self.write([item for item, _ in batch])
        except Exception as exc:  # the batch failed: every caller in it learns it
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        self.batches += 1
        self.items += len(batch)
        for (_, done), result in zip(batch, results, strict=True):
            if not done.done():
                done.set_result(result)
