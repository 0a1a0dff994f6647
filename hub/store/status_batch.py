"""Group commit of delivery status reports: concurrent callbacks applied with one bulk write.

Providers send one status per HTTP request, and under load many arrive at once. Ingest
hands each report to ``StatusBatcher.apply`` and waits; the batcher gathers what arrives
together (``hub.store.gather``), then for the whole batch:

- an equality read per reported provider id on the ``(channel_id, provider_message_id)``
  index, sent together (account and direction checked on the documents, as
  ``outbound_by_provider_id``; SecantusDB scans for ``$in`` on that field, see ``_found``);
- one ordered ``bulk_write``: per report its facts (``metadata``, kept even when the state
  does not move) and its forward-only move, ``delivery_rank < rank`` in the filter, so a
  status never goes backwards (reports of one message apply in the order they arrived);
- one ``insert_many`` of the reports whose message is not known yet (``EarlyStatus``),
  and one ``update_many`` of the conversations whose reply failed, only when there are any.

Each caller learns whether its report moved a message (from the ranks read, stepped through
in order; the write's filter is the guard). A callback is answered 2xx only after its batch
was written; a failed batch fails every caller in it. One batcher per process
(``Hub.status_updates``); a few batches may be written at once (each write only moves a
message forward, so their order does not matter to the state).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from beanie import PydanticObjectId
from beanie.odm.utils.dump import get_dict
from pymongo import InsertOne, UpdateMany

from hub.contract import DeliveryState, now
from hub.models import Conversation, EarlyStatus, Message, SendError
from hub.store.delivery import OUT_OF_OUTBOX
from hub.store.gather import Gatherer


@dataclass
class StatusReport:
    """One provider report, ranked by the caller (``hub.pipeline.delivery``)."""

    account_id: PydanticObjectId
    channel_id: PydanticObjectId
    provider_message_id: str
    state: DeliveryState
    rank: int
    error: SendError | None
    metadata: Mapping[str, object]
    #: The state ends a delivery: a move flags the message's conversation.
    ends: bool = False


@dataclass
class _Found:
    rank: int
    conversation_id: PydanticObjectId


class StatusBatcher(Gatherer[StatusReport, bool]):
    """Collects status reports and applies them in small batches."""

    async def apply(self, report: StatusReport) -> bool:
        """Apply ``report`` with the next batch; whether it moved a message's delivery
        (False also when it was kept as an early status). Raises the batch's error."""
        return await self.submit(report)

    async def write(self, batch: list[StatusReport]) -> list[bool]:
        return await _write(batch)


async def _found(
    batch: list[StatusReport],
) -> dict[tuple[PydanticObjectId, str], dict[PydanticObjectId, _Found]]:
    """The outbound messages each (channel, provider id) of the batch names, by account.

    One equality read per provider id, sent together: SecantusDB answers ``$in`` (and
    ``$or``, ``$unionWith``) on ``provider_message_id`` by scanning the channel's messages
    (98 ms of its CPU for 16 ids among 2,000, against 0.5 ms for each equality read).
    """
    accounts = {(r.channel_id, r.provider_message_id): r.account_id for r in batch}
    keys = list(accounts)
    reads = await asyncio.gather(*[_read(channel_id, pid) for channel_id, pid in keys])
    found: dict[tuple[PydanticObjectId, str], dict[PydanticObjectId, _Found]] = {}
    for key, docs in zip(keys, reads, strict=True):
        for d in docs:
            if d["direction"] == "out" and accounts[key] == d["account_id"]:
                found.setdefault(key, {})[d["_id"]] = _Found(
                    d.get("delivery_rank", 0), d["conversation_id"]
                )
    return found


async def _read(channel_id: PydanticObjectId, provider_message_id: str) -> list[dict[str, Any]]:
    """Exactly the (channel_id, provider_message_id) index, as ``outbound_by_provider_id``."""
    docs = Message.get_pymongo_collection().find(
        {"channel_id": channel_id, "provider_message_id": provider_message_id},
        {"account_id": 1, "direction": 1, "delivery_rank": 1, "conversation_id": 1},
    )
    return [d async for d in docs]


async def _write(batch: list[StatusReport]) -> list[bool]:
    found = await _found(batch)
    at = now()
    writes: list[UpdateMany] = []
    early: list[InsertOne[Any]] = []
    failed: set[PydanticObjectId] = set()
    moved: list[bool] = []
    for report in batch:
        messages = found.get((report.channel_id, report.provider_message_id))
        if not messages:  # the report beat the send call's answer: kept for ``sent``
            early.append(InsertOne(get_dict(_early(report), to_db=True)))
            moved.append(False)
            continue
        ids = list(messages)
        if report.metadata:
            facts = {f"metadata.{k}": v for k, v in report.metadata.items()}
            writes.append(UpdateMany({"_id": {"$in": ids}}, {"$set": facts}))
        update: dict[str, object] = {
            "delivery": report.state, "delivery_rank": report.rank, "updated_at": at
        }  # fmt: skip
        if report.error is not None:
            update["error"] = report.error.model_dump()
        writes.append(
            UpdateMany(
                {"_id": {"$in": ids}, "delivery_rank": {"$lt": report.rank}},
                {"$set": update, "$unset": OUT_OF_OUTBOX},
            )
        )
        forward = [m for m in messages.values() if m.rank < report.rank]
        for m in forward:
            m.rank = report.rank
            if report.ends:
                failed.add(m.conversation_id)
        moved.append(bool(forward))
    if writes:
        await Message.get_pymongo_collection().bulk_write(writes, ordered=True)
    if early:
        await EarlyStatus.get_pymongo_collection().bulk_write(early, ordered=False)
    if failed:
        await Conversation.get_pymongo_collection().update_many(
            {"_id": {"$in": list(failed)}}, {"$set": {"delivery_failed_at": at}}
        )
    return moved


def _early(report: StatusReport) -> EarlyStatus:
    return EarlyStatus(
        id=PydanticObjectId(),
        account_id=report.account_id,
        channel_id=report.channel_id,
        provider_message_id=report.provider_message_id,
        status=report.state,
        error=report.error,
        metadata=dict(report.metadata),
    )
