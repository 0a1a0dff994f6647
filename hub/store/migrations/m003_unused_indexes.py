"""Migration 3: drop the indexes no query uses in the other collections (``docs/indexes.md``).

The census (``tests/store/test_index_census.py``) now covers every collection the hub
declares indexes on; these three served no store query:

- ``activity_events`` ``(account_id, conversation_id, at)`` and ``(account_id, user_id, at)``:
  the reports read a period (``facts.events_between``) or one kind in it
  (``facts.events_of_kind_between``), never one conversation's or one agent's facts;
- ``notifications`` ``(account_id, user_id, created_at)``: nothing reads notifications
  back; the change stream carries each one as it is written.

Every fact and every notification written paid for them. Idempotent: an index already
gone (a new database, a second run) is skipped.
"""

from __future__ import annotations

from hub.store.database import Database
from hub.store.migrations.m002_unused_indexes import drop_indexes

NAME = "drop the unused indexes of activity_events and notifications"

#: (collection, index name), as pymongo names a declared index.
UNUSED = (
    ("activity_events", "account_id_1_conversation_id_1_at_1"),
    ("activity_events", "account_id_1_user_id_1_at_1"),
    ("notifications", "account_id_1_user_id_1_created_at_-1"),
)


async def up(database: Database) -> dict[str, int]:
    return await drop_indexes(database, UNUSED)
