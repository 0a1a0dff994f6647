"""The schema's version and the migrations that bring an older database forward.

The version lives in ``meta`` (``{_id: "schema", version, migrated: [...]}``). A database
without that document is version 0 when it holds an account (written before versions
existed) and new otherwise: a new one is stamped with the current version, nothing to run.

``migrate`` runs at the start of ``serve`` and of every admin command. One process at a
time migrates: it holds the ``schema-migration`` lease (``hub.store.leases``); the others
wait until the version is current. Each migration is idempotent and the version is written
after each one, so an interrupted upgrade resumes where it stopped. A database newer than
this code is refused (``schema_newer``): an older hub must not write shapes it does not know.

Migrations use the store's functions, so ``migrate`` runs once the models are bound to
``database`` (``hub.db.init`` calls it after Beanie's set-up).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
from collections.abc import Awaitable, Callable

from pymongo.errors import DuplicateKeyError

from hub.errors import HubError
from hub.store.database import Database
from hub.store.migrations import (
    m001_round_shapes,
    m002_unused_indexes,
    m003_unused_indexes,
    m004_books_at,
)

log = logging.getLogger("parley.migrations")

Step = Callable[[Database], Awaitable[dict[str, int]]]


@dataclasses.dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up: Step


#: In order; ``MIGRATIONS[i].version == i + 1``.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, m001_round_shapes.NAME, m001_round_shapes.up),
    Migration(2, m002_unused_indexes.NAME, m002_unused_indexes.up),
    Migration(3, m003_unused_indexes.NAME, m003_unused_indexes.up),
    Migration(4, m004_books_at.NAME, m004_books_at.up),
)
CURRENT = len(MIGRATIONS)
LEASE = "schema-migration"
#: How long one process may hold the migration lease before another may take it over.
LEASE_LENGTH = dt.timedelta(minutes=10)
#: How long a process waits for another's migration before it gives up.
WAIT_LIMIT = dt.timedelta(minutes=30)
SCHEMA = "schema"


class SchemaNewer(HubError):
    def __init__(self, stored: int) -> None:
        super().__init__(
            "schema_newer",
            f"the database's schema is version {stored}, newer than this hub's {CURRENT}: "
            "run the newer hub (or restore a backup made by this one)",
        )


@dataclasses.dataclass(frozen=True)
class Outcome:
    before: int
    after: int
    ran: list[str]


def _clock() -> dt.datetime:
    """Wall time: leases between processes do not follow a test's clock."""
    return dt.datetime.now(dt.UTC)


async def stored_version(database: Database) -> int | None:
    """The recorded version; 0 for data from before versions; None for an unused database."""
    doc = await database["meta"].find_one({"_id": SCHEMA})
    if doc is not None:
        return int(doc["version"])
    return 0 if await database["accounts"].find_one({}, {"_id": 1}) is not None else None


async def _record(database: Database, version: int, name: str) -> None:
    await database["meta"].update_one(
        {"_id": SCHEMA},
        {
            "$max": {"version": version},
            "$push": {"migrated": {"version": version, "name": name, "at": _clock()}},
        },
        upsert=True,
    )


async def _take(database: Database, owner: str) -> bool:
    """The ``schema-migration`` lease (a ``leases`` document, as ``hub.store.leases`` keeps
    them): one conditional upsert; False while another process holds it."""
    at = _clock()
    try:
        await database["leases"].find_one_and_update(
            {"_id": LEASE, "until": {"$lte": at}},
            {"$set": {"owner": owner, "until": at + LEASE_LENGTH}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True


async def _release(database: Database, owner: str) -> None:
    await database["leases"].update_one(
        {"_id": LEASE, "owner": owner}, {"$set": {"until": dt.datetime.min.replace(tzinfo=dt.UTC)}}
    )


async def _next_version(database: Database, limit: float) -> None:
    """Wait (at most ``limit`` seconds) for a write to the schema document: a change stream,
    so the waiting process goes on as soon as the migrating one records a version."""
    match = [{"$match": {"documentKey._id": SCHEMA}}]
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(limit), await database["meta"].watch(match) as changes:
            await changes.next()


async def migrate(database: Database, poll: float = 1.0) -> Outcome:
    """Bring ``database`` to ``CURRENT``; raises ``SchemaNewer`` for a newer one."""
    first = await stored_version(database)
    if first is None:  # a new database: nothing to bring forward
        await _record(database, CURRENT, "new database")
        return Outcome(CURRENT, CURRENT, [])
    if first > CURRENT:
        raise SchemaNewer(first)
    owner = f"{socket.gethostname()}:{os.getpid()}:{id(asyncio.current_task())}"
    waited_until = _clock() + WAIT_LIMIT
    ran: list[str] = []
    while (version := await stored_version(database) or 0) < CURRENT:
        if not await _take(database, owner):
            if _clock() > waited_until:
                raise HubError("migration_stuck", "another process holds the migration lease")
            await _next_version(database, poll)  # another process migrates: wait for it
            continue
        try:
            # Read again under the lease: another process may have migrated and let go
            # between the read above and the take.
            version = await stored_version(database) or 0
            for step in MIGRATIONS[version:]:
                log.info("schema migration %d (%s) starts", step.version, step.name)
                counts = await step.up(database)
                await _record(database, step.version, step.name)
                log.info("schema migration %d done: %s", step.version, counts)
                ran.append(f"{step.version}: {step.name}")
        finally:
            await _release(database, owner)
    return Outcome(first, CURRENT, ran)
