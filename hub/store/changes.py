"""The change stream: every process watches the database for the changes it publishes.

``follow`` opens one database-level change stream over the named collections and
operations, resuming after a token when given one, and yields ``Change``s. A broken
stream raises ``hub.store.database.DatabaseError``; the caller resumes from the last
``Change.resume_token`` (``hub.pipeline.realtime``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.change_stream import AsyncChangeStream

from hub.store.database import Database


@dataclass(frozen=True)
class ResumeToken:
    """Where a change stream stands; opaque to everyone but the store."""

    value: Mapping[str, Any]


@dataclass(frozen=True)
class Change:
    """One insert, update or replace, with the document as it is after it."""

    collection: str
    operation: str
    #: The full document after the change (None when it was deleted meanwhile).
    document: dict[str, Any] | None
    #: The fields an update set or removed (empty for inserts and replaces).
    changed: tuple[str, ...]
    #: The change's own id as text (an SSE event id).
    token: str
    #: Where the stream stood after this change: resume from here (None: from now).
    resume_token: ResumeToken | None


def _resume_token(value: Mapping[str, Any] | None) -> ResumeToken | None:
    return ResumeToken(value) if value else None


def parse(raw: Mapping[str, Any], token: Mapping[str, Any] | None = None) -> Change:
    """One change-stream event as a ``Change`` (``token``: the stream's resume token)."""
    changed: tuple[str, ...] = ()
    if raw.get("operationType") == "update":
        desc = raw.get("updateDescription") or {}
        changed = tuple(desc.get("updatedFields", {})) + tuple(desc.get("removedFields", []))
    return Change(
        collection=str((raw.get("ns") or {}).get("coll", "")),
        operation=str(raw.get("operationType", "")),
        document=raw.get("fullDocument"),
        changed=changed,
        token=str((raw.get("_id") or {}).get("_data", "")),
        resume_token=_resume_token(token or raw.get("_id")),
    )


class ChangeStream:
    """An open change stream: iterate it for ``Change``s."""

    def __init__(self, stream: AsyncChangeStream[Any]) -> None:
        self._stream = stream

    def __aiter__(self) -> AsyncIterator[Change]:
        return self._changes()

    async def _changes(self) -> AsyncIterator[Change]:
        async for raw in self._stream:
            yield parse(raw, self._stream.resume_token)


@contextlib.asynccontextmanager
async def follow(
    database: Database,
    collections: Sequence[str],
    operations: Sequence[str],
    resume_after: ResumeToken | None = None,
) -> AsyncIterator[ChangeStream]:
    """A change stream of ``operations`` on ``collections``, with full documents
    (looked up after updates), resumed after ``resume_after`` when given."""
    pipeline = [
        {
            "$match": {
                "ns.coll": {"$in": list(collections)},
                "operationType": {"$in": list(operations)},
            }
        }
    ]
    token = None if resume_after is None else resume_after.value
    async with await database.watch(
        pipeline, full_document="updateLookup", resume_after=token
    ) as stream:
        yield ChangeStream(stream)
