"""``open_hub``: the hub's services on the database, for one command (the CLI, the demo set-up)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from hub import db
from hub.centre.rules import CentreRules
from hub.ops import embedded
from hub.ops.marker import as_running
from hub.pipeline import outbound
from hub.pipeline.services import Hub
from hub.settings import Settings


@contextlib.asynccontextmanager
async def open_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub on the configured database, or on the embedded one (started if needed)."""
    server = None
    settings = as_running(settings)
    uri = settings.mongodb_uri
    if not uri:
        server = await asyncio.to_thread(embedded.start, settings.data_dir)
        uri = server.uri
    client = db.connect(uri)
    outbound.configure(settings.outbound_allow)
    try:
        database = await db.init(client, settings.database)
        async with outbound.guarded_client() as http:
            hub = Hub(dataclasses.replace(settings, mongodb_uri=uri), database, http)
            hub.rules = CentreRules(hub)
            yield hub
    finally:
        await db.release(client)
        if server is not None:
            await asyncio.to_thread(server.stop)


@contextlib.asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[AsyncDatabase[Any]]:
    """The configured database as it is: no indexes created, nothing migrated (restore)."""
    server = None
    settings = as_running(settings)
    uri = settings.mongodb_uri
    if not uri:
        server = await asyncio.to_thread(embedded.start, settings.data_dir)
        uri = server.uri
    client = db.connect(uri)
    try:
        yield client[settings.database]
    finally:
        await db.release(client)
        if server is not None:
            await asyncio.to_thread(server.stop)
