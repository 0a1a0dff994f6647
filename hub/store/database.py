"""The database handle the hub passes around, and the one question asked of it directly.

``Database`` is the type of ``Hub.database``: the rest of the hub names it from here and
never imports the driver. ``DatabaseError`` is the driver's error under the store's name:
what a worker loop or a webhook catches when the database is away (the store lets it
through rather than wrapping every call).
"""

from __future__ import annotations

from typing import Any, TypeAlias

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

#: One app's database (pymongo's async database, documents as plain mappings).
Database: TypeAlias = AsyncDatabase[Any]
#: Any failure of the database or the connection to it.
DatabaseError: TypeAlias = PyMongoError


async def ping(database: Database) -> str | None:
    """None when the database answers; else why not (at most 200 characters)."""
    try:
        await database.command("ping")
    except PyMongoError as exc:
        return str(exc)[:200]
    return None
