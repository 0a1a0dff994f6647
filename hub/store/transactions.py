"""One transaction: the store's helper for writes that must land together or not at all."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo.asynchronous.client_session import AsyncClientSession

from hub.models import User

#: A transaction's session, passed between the store's own functions (never outside the store).
Session = AsyncClientSession

__all__ = ["Session", "in_transaction"]


async def in_transaction(work: Callable[[Session], Awaitable[None]]) -> None:
    """Run ``work`` in one transaction (retried by the driver on a transient conflict)."""
    client = User.get_pymongo_collection().database.client
    async with client.start_session() as session:
        await session.with_transaction(work)
