"""The database connection: pymongo's async client and Beanie, with indexes at start-up."""

from __future__ import annotations

from beanie import init_beanie
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.models import DOCUMENTS


def connect(uri: str) -> AsyncMongoClient:
    """A client for ``uri``; writes wait for the journal (an acknowledged write is stored)."""
    return AsyncMongoClient(uri, tz_aware=True, w="majority", journal=True)


async def init(client: AsyncMongoClient, name: str) -> AsyncDatabase:
    """Bind every document class to database ``name`` and create the declared indexes."""
    database = client[name]
    await init_beanie(database=database, document_models=list(DOCUMENTS))
    return database
