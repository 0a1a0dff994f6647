"""The database connection: pymongo's async client and Beanie, with indexes at start-up.

Beanie binds the document classes to one database for the whole process, so every
app in a process (tests run two to show cross-instance behaviour) must share one
client: ``connect`` hands out a shared client per URI and event loop, and
``release`` closes it when its last user is done.
"""

from __future__ import annotations

import asyncio
from typing import Any

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.models import DOCUMENTS
from hub.store import migrations

_shared: dict[tuple[str, int], tuple[AsyncMongoClient[Any], int]] = {}


def connect(uri: str) -> AsyncMongoClient[Any]:
    """The process's client for ``uri``; writes wait for the journal (acknowledged = stored)."""
    key = (uri, id(asyncio.get_running_loop()))
    client, users = _shared.get(key, (None, 0))
    if client is None:
        client = AsyncMongoClient(uri, tz_aware=True, w="majority", journal=True)
    _shared[key] = (client, users + 1)
    return client


async def release(client: AsyncMongoClient[Any]) -> None:
    """Give back a client from ``connect``; the last user closes it."""
    for key, (shared, users) in list(_shared.items()):
        if shared is client:
            if users > 1:
                _shared[key] = (shared, users - 1)
                return
            del _shared[key]
            break
    await client.close()


async def init(client: AsyncMongoClient[Any], name: str) -> AsyncDatabase[Any]:
    """Bind every document class to database ``name``, create the declared indexes and
    bring an older schema forward (``hub.store.migrations``; a newer one raises)."""
    database = client[name]
    await init_beanie(database=database, document_models=list(DOCUMENTS))
    await migrations.migrate(database)
    return database
