"""The audit trail (``audit_events``): written once per change, read as bounded time windows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId

from hub.models import AuditEvent
from hub.store.batch import InsertBatcher


async def insert_event(
    event: AuditEvent, batch: InsertBatcher[AuditEvent] | None = None
) -> AuditEvent:
    """Store ``event``; with ``batch`` (``Hub.audit_inserts``) group-committed with the
    process's concurrent events (``hub.store.batch``)."""
    if batch is not None:
        await batch.insert(event)
    else:
        await event.insert()
    return event


def audit_inserts(database: Any) -> InsertBatcher[AuditEvent]:
    """The process's group commit of audit events (``Hub.audit_inserts``)."""
    return InsertBatcher(database["audit_events"])


async def events_between(
    account_id: PydanticObjectId,
    start: dt.datetime,
    end: dt.datetime,
    actor_id: str | None,
    action: str | None,
    limit: int,
) -> list[AuditEvent]:
    """Events with ``start <= at < end`` (unordered); ``actor_id``/``action`` narrow them.

    Each filter leads its own index ahead of the time range, so the read stays small.
    """
    query: dict[str, Any] = {"account_id": account_id, "at": {"$gte": start, "$lt": end}}
    if actor_id:
        query["actor.id"] = actor_id
    if action:
        query["action"] = action
    return await AuditEvent.find(query).limit(limit).to_list()
