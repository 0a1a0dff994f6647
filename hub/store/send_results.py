"""Group commit of the dispatcher's "sent" outcomes: concurrent sends' results in one write.

When a provider takes a message the dispatcher records its id and state, out of the
outbox, while it still holds the claim (``outbox_owner``), then applies the status
reports that beat the send call's answer (``EarlyStatus``). ``SentResults`` gathers the
outcomes of concurrent sends (``hub.store.gather``) and writes each batch with one
unordered ``bulk_write`` of the owned updates, then one read of the batch's early
reports (a small collection: each report lives until its send records its id, at most
7 days). Each sender gets the early reports of its own message, once its result is
written. One per process (``Hub.send_results``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne

from hub.contract import DeliveryState, now
from hub.models import EarlyStatus
from hub.models import Message as MessageDocument
from hub.store.delivery import OUT_OF_OUTBOX
from hub.store.gather import Gatherer


@dataclass
class SentResult:
    """A claimed message the provider took: its id at the provider and its state."""

    message_id: PydanticObjectId
    account_id: PydanticObjectId
    channel_id: PydanticObjectId
    owner: str
    provider_message_id: str
    state: DeliveryState
    rank: int
    metadata: Mapping[str, object]


class SentResults(Gatherer[SentResult, list[EarlyStatus]]):
    """Collects the dispatcher's "sent" outcomes and writes them in small batches."""

    async def record(self, result: SentResult) -> list[EarlyStatus]:
        """Write ``result`` with the next batch (only while ``owner`` holds the claim);
        the reports kept for its provider id before the send returned."""
        return await self.submit(result)

    async def write(self, batch: list[SentResult]) -> list[list[EarlyStatus]]:
        at = now()
        collection = MessageDocument.get_pymongo_collection()
        groups: dict[tuple[Any, ...], list[SentResult]] = {}
        for result in batch:
            if result.metadata:
                key: tuple[Any, ...] = ("one", result.message_id)
            else:
                key = (result.account_id, result.owner, result.state, result.rank)
            groups.setdefault(key, []).append(result)
        single = [r for group in groups.values() if len(group) == 1 for r in group]
        if single:
            await collection.bulk_write([_mark_sent(r, at) for r in single], ordered=False)
        for group in groups.values():
            if len(group) > 1:
                await collection.update_many(*_mark_all_sent(group, at))
        early = await EarlyStatus.find(
            {
                "channel_id": {"$in": list({r.channel_id for r in batch})},
                "provider_message_id": {"$in": list({r.provider_message_id for r in batch})},
            }
        ).to_list()
        kept: dict[tuple[PydanticObjectId, PydanticObjectId, str], list[EarlyStatus]] = {}
        for item in early:
            key = (item.account_id, item.channel_id, item.provider_message_id)
            kept.setdefault(key, []).append(item)
        return [kept.get((r.account_id, r.channel_id, r.provider_message_id), []) for r in batch]


def _mark_all_sent(group: list[SentResult], at: Any) -> tuple[dict[str, Any], list[Any]]:
    """One filter and update pipeline for results of one account, owner and state, none
    with metadata: each message gets its own provider id by a ``$switch`` on ``_id``."""
    first = group[0]
    branches = [
        {"case": {"$eq": ["$_id", r.message_id]}, "then": {"$literal": r.provider_message_id}}
        for r in group
    ]
    owned = {
        "_id": {"$in": [r.message_id for r in group]},
        "account_id": first.account_id,
        "outbox_owner": first.owner,
    }
    fields = {
        "provider_message_id": {"$switch": {"branches": branches, "default": None}},
        "delivery": {"$literal": first.state},
        "delivery_rank": {"$literal": first.rank},
        "error": None,
        "updated_at": {"$literal": at},
    }
    return owned, [{"$set": fields}, {"$unset": list(OUT_OF_OUTBOX)}]


def _mark_sent(result: SentResult, at: Any) -> UpdateOne:
    update: dict[str, object] = {
        "provider_message_id": result.provider_message_id,
        "delivery": result.state,
        "delivery_rank": result.rank,
        "error": None,
        "updated_at": at,
    }
    for key, value in result.metadata.items():
        update[f"metadata.{key}"] = value
    owned = {
        "_id": result.message_id,
        "account_id": result.account_id,
        "outbox_owner": result.owner,
    }
    return UpdateOne(owned, {"$set": update, "$unset": OUT_OF_OUTBOX})
