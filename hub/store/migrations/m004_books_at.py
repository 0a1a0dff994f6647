"""Migration 4: every audit event and usage ledger line has its time in ``at``.

The retention purge (``purge.books_before``) reads the books by ``at``, on their
``(account_id, at)`` index. Audit events written before ``at`` existed hold only
``created_at`` (the model reads them with ``at`` from it): they get it stored, so the
purge finds them. Idempotent: only documents without ``at`` change.
"""

from __future__ import annotations

from hub.store.database import Database

NAME = "audit events and usage lines without at get it from created_at"


async def up(database: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    for collection in ("audit_events", "usage_events"):
        result = await database[collection].update_many(
            {"at": {"$exists": False}, "created_at": {"$type": "date"}},
            [{"$set": {"at": "$created_at"}}],
        )
        counts[collection] = int(result.modified_count)
    return counts
