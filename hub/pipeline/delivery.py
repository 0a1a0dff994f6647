"""Delivery states of outbound messages: the one module that moves ``Message.delivery``.

The order is the contract's ``DELIVERY_RANK`` (queued < sending < sent <
delivered < read; failed and undelivered end it). Every write here moves a
message forward only, or (``requeue``, ``retry``) back to ``queued`` on the
outbox's own terms:

- ``apply_status``: a provider's report (from ingest); one that beats the send
  call's answer is kept as an ``EarlyStatus`` and applied by ``sent``.
- ``sent``, ``failed``, ``retry``: the dispatcher's outcome of a send attempt,
  written only while the dispatcher still owns the claim.
- ``requeue``: an agent sends a failed message again.

The writes themselves are ``hub.store.delivery``'s.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from typing import Final, NamedTuple

from beanie import PydanticObjectId

from hub.contract import DELIVERY_RANK, DeliveryState, StatusUpdate, now
from hub.models import EarlyStatus, Message, SendError
from hub.store import delivery as store
from hub.store.send_results import SentResult, SentResults
from hub.store.status_batch import StatusBatcher, StatusReport

#: Longest wait between two attempts, in seconds.
MAX_BACKOFF = 900.0
#: The states that end a delivery: nothing moves a message out of them but ``requeue``.
ENDED: Final[tuple[DeliveryState, ...]] = ("failed", "undelivered")


class Initial(NamedTuple):
    """The delivery fields of a new outbound message."""

    delivery: DeliveryState
    delivery_rank: int


def rank(state: DeliveryState) -> int:
    """Where ``state`` stands in the order delivery moves along."""
    return DELIVERY_RANK[state]


def initial(private: bool) -> Initial:
    """The delivery state of a new outbound message: a note is done, a reply is queued."""
    state: DeliveryState = "sent" if private else "queued"
    return Initial(state, rank(state))


async def apply_status(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, status: StatusUpdate
) -> bool:
    """Move a sent message's delivery forward; never backward. Early reports are kept."""
    error = _reported_error(status)
    ids = await store.outbound_by_provider_id(account_id, channel_id, status.provider_message_id)
    if ids:
        if status.metadata:  # facts, not states: kept even when the state does not move
            await store.add_report_metadata(ids, status.metadata)
        moved = await store.advance(ids, status.status, rank(status.status), error)
        if moved and status.status in ENDED:
            for conversation_id in await store.conversations_of(ids):
                await store.flag_conversation(conversation_id, True)
        return bool(moved)
    # The report beat the send call's answer: keep it for ``sent`` to apply.
    await store.keep_early_status(
        account_id, channel_id, status.provider_message_id, status.status, error, status.metadata
    )
    return False


async def apply_statuses(
    batcher: StatusBatcher,
    account_id: PydanticObjectId,
    channel_id: PydanticObjectId,
    statuses: list[StatusUpdate],
) -> int:
    """``apply_status`` for a callback's reports, gathered with concurrent callbacks'
    into one batch (``hub.store.status_batch``); how many moved a message. Returns once
    they are written, so the callback is answered after its reports are stored."""
    reports = [
        StatusReport(
            account_id=account_id,
            channel_id=channel_id,
            provider_message_id=status.provider_message_id,
            state=status.status,
            rank=rank(status.status),
            error=_reported_error(status),
            metadata=status.metadata,
            ends=status.status in ENDED,
        )
        for status in statuses
    ]
    moved = await asyncio.gather(*[batcher.apply(report) for report in reports])
    return sum(moved)


def _reported_error(status: StatusUpdate) -> SendError | None:
    if not status.error_code and status.status not in ENDED:
        return None
    return SendError(
        code=status.error_code or status.status,
        message=status.error_message or f"the provider reported {status.status}",
    )


async def sent(
    message: Message,
    owner: str,
    provider_id: str,
    status: DeliveryState,
    meta: Mapping[str, object],
) -> None:
    """The provider took the message: at least ``sent``; then apply reports that came early."""
    state: DeliveryState = status if rank(status) >= rank("sent") else "sent"
    await store.mark_sent(message, owner, provider_id, state, rank(state), meta)
    await apply_early_statuses(message.account_id, message.channel_id, provider_id)


async def sent_together(
    results: SentResults,
    message: Message,
    owner: str,
    provider_id: str,
    status: DeliveryState,
    meta: Mapping[str, object],
) -> None:
    """``sent``, written with concurrent sends' outcomes in one batch (``hub.store.send_results``)."""
    state: DeliveryState = status if rank(status) >= rank("sent") else "sent"
    assert message.id is not None
    kept = await results.record(
        SentResult(
            message_id=message.id,
            account_id=message.account_id,
            channel_id=message.channel_id,
            owner=owner,
            provider_message_id=provider_id,
            state=state,
            rank=rank(state),
            metadata=meta,
        )
    )
    await _apply_kept(message.account_id, message.channel_id, provider_id, kept)


async def apply_early_statuses(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, provider_id: str
) -> None:
    """Apply, then drop, the reports kept for ``provider_id`` before its send returned."""
    kept = await store.early_statuses(account_id, channel_id, provider_id)
    await _apply_kept(account_id, channel_id, provider_id, kept)


async def _apply_kept(
    account_id: PydanticObjectId,
    channel_id: PydanticObjectId,
    provider_id: str,
    kept: list[EarlyStatus],
) -> None:
    for item in kept:
        await apply_status(
            account_id,
            channel_id,
            StatusUpdate(
                provider_message_id=provider_id,
                status=item.status,
                error_code=item.error.code if item.error else None,
                error_message=item.error.message if item.error else None,
                metadata=item.metadata,
            ),
        )
        await store.drop_early_status(item)


async def failed(message: Message, owner: str, code: str, text: str) -> None:
    """The send will never succeed as it is: ``failed`` with the provider's reason."""
    error = SendError(code=code, message=text)
    if await store.mark_ended(message, owner, "failed", rank("failed"), error):
        await store.flag_conversation(message.conversation_id, True)


def backoff(attempts: int, base: float, retry_after: float | None) -> float:
    """Seconds until the next attempt: doubling from ``base``, at least what the provider asked."""
    return float(min(MAX_BACKOFF, max(retry_after or 0.0, base * 2 ** (attempts - 1))))


async def retry(message: Message, owner: str, code: str, text: str, delay: float) -> None:
    """Back to ``queued``, due again in ``delay`` seconds, with the last error kept."""
    at = now()
    await store.mark_due_again(
        message, owner, "queued", rank("queued"), SendError(code=code, message=text),
        at=at, due=at + dt.timedelta(seconds=delay),
    )  # fmt: skip


async def requeue(account_id: PydanticObjectId, message_id: PydanticObjectId) -> bool:
    """Send a failed outbound message again: queued, due now, error and attempts cleared.

    Only a message of the account that ended ``failed`` or ``undelivered`` moves;
    returns whether one did. The dispatcher picks it up like a new reply.
    """
    moved, conversation_id = await store.requeue(
        account_id, message_id, list(ENDED), "queued", rank("queued")
    )
    if conversation_id is not None:  # sent again: the flag waits for how this attempt ends
        await store.flag_conversation(conversation_id, False)
    return moved
