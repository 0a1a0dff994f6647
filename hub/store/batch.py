"""Group commit: concurrent inserts of one collection written together with ``insert_many``.

Ingest hands each new message to ``InsertBatcher.insert`` and waits; the
batcher collects what arrives within ``window`` seconds (or ``max_batch`` documents),
writes them with one unordered ``insert_many`` (with the client's journaled, majority
write concern) and then answers every waiter: done, or its own ``Duplicate``
(``hub.store.errors``), or the batch's error. So a webhook is still answered 2xx only once its message is
durable, a retried provider id is still stored once (the unique index refuses it inside
the batch), and a crash before the write answers nobody: nothing acknowledged is lost.

One batcher per collection and process (``Hub.message_inserts``); its flusher runs in
the loop of the first caller of a batch.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from beanie import Document, PydanticObjectId
from beanie.odm.utils.dump import get_dict
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, WriteError

from hub.models import Message
from hub.store.database import Database
from hub.store.errors import Duplicate
from hub.store.terms import index_message

#: How long the first document of a batch waits for company (seconds).
WINDOW = 0.003
MAX_BATCH = 64
DUPLICATE_KEY = 11000
D = TypeVar("D", bound=Document)


class InsertBatcher(Generic[D]):
    """Collects documents for ``collection`` and inserts them in small batches."""

    def __init__(
        self,
        collection: AsyncCollection[Any],
        window: float = WINDOW,
        max_batch: int = MAX_BATCH,
        prepare: Callable[[D], object] | None = None,
    ) -> None:
        self.collection = collection
        #: Completes a document before it is written (a message's search terms).
        self.prepare = prepare
        self.window = window
        self.max_batch = max_batch
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._full = asyncio.Event()
        self.batches = 0
        self.documents = 0

    async def insert(self, document: D) -> None:
        """Insert ``document`` (given a new id) with the next batch; returns once it is written.

        Raises ``Duplicate`` if a unique index refused this document, or the
        batch's database error (then nothing of it may be assumed written).
        """
        document.id = PydanticObjectId()
        if self.prepare is not None:
            self.prepare(document)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((get_dict(document, to_db=True), done))
        if len(self._pending) >= self.max_batch:
            self._full.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_soon())
        await asyncio.shield(done)

    async def _flush_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), self.window)
        while self._pending:
            self._full.clear()
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
            await self._write(batch)

    async def _write(self, batch: list[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        refused: dict[int, dict[str, Any]] = {}
        failure: BaseException | None = None
        try:
            await self.collection.insert_many([doc for doc, _ in batch], ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                refused[int(error["index"])] = error
            if exc.details.get("writeConcernErrors"):
                failure = exc
        except Exception as exc:  # the whole batch failed: every waiter learns it
            failure = exc
        self.batches += 1
        self.documents += len(batch)
        for i, (_, done) in enumerate(batch):
            if done.done():
                continue
            if failure is not None:
                done.set_exception(failure)
            elif i in refused:
                done.set_exception(_refusal(refused[i]))
            else:
                done.set_result(None)


def _refusal(error: dict[str, Any]) -> Exception:
    if error.get("code") == DUPLICATE_KEY:
        return Duplicate(str(error.get("errmsg", "duplicate key")))
    return WriteError(error.get("errmsg", "write refused"), error.get("code"), error)


def message_inserts(database: Database) -> InsertBatcher[Message]:
    """The process's group commit of inbound messages (``Hub.message_inserts``)."""
    return InsertBatcher(database["messages"], prepare=index_message)
