"""Migration 2: drop the indexes no query uses (``docs/indexes.md``, issue 27).

Every inbound message writes ``conversations`` and ``messages``, and each index there is
paid on every write. The census (``tests/store/test_index_census.py``) names the query
each remaining index serves; these four served none:

- ``conversations`` ``(account_id, contact_name)``: the contact-name search before
  contacts had terms;
- ``conversations`` ``(account_id, team_id, sla_risk_at)``: the at-risk read is
  ``{account_id, sla_risk_at: range}`` on ``(account_id, sla_risk_at)``;
- ``messages`` ``(account_id, created_at)``: the search's read before the term index;
- ``contacts`` ``(account_id, name)``: the name search before contacts had terms.

Idempotent: an index already gone (a new database, a second run) is skipped.
"""

from __future__ import annotations

from hub.store.database import Database

NAME = "drop the indexes no query uses"

#: (collection, index name), as pymongo names a declared index.
UNUSED = (
    ("conversations", "account_id_1_contact_name_1"),
    ("conversations", "account_id_1_team_id_1_sla_risk_at_1"),
    ("messages", "account_id_1_created_at_-1"),
    ("contacts", "account_id_1_name_1"),
)


async def up(database: Database) -> dict[str, int]:
    return await drop_indexes(database, UNUSED)


async def drop_indexes(database: Database, unused: tuple[tuple[str, str], ...]) -> dict[str, int]:
    """Drop each named index that is there (a step run again drops nothing twice)."""
    dropped = 0
    for collection, name in unused:
        if name in await database[collection].index_information():
            await database[collection].drop_index(name)
            dropped += 1
    return {"indexes_dropped": dropped}
