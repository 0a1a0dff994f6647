"""``open_hub``: the hub's services on the database, for one command (the CLI, the demo set-up)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator

import httpx

from hub import db
from hub.ops import embedded
from hub.ops.marker import as_running
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
    try:
        database = await db.init(client, settings.database)
        async with httpx.AsyncClient() as http:
            yield Hub(dataclasses.replace(settings, mongodb_uri=uri), database, http)
    finally:
        await db.release(client)
        if server is not None:
            await asyncio.to_thread(server.stop)
