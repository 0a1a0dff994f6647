"""The handling facts of a conversation, recorded as they happen for reports and the wallboard.

Ingest calls ``opened``; ``hub.store.conversations.update_conversation`` calls
``change_fields`` (the row's own fact fields, written with the change) and
``changed`` (the events); ``hub.pipeline.outbox.enqueue`` calls ``replied``.
Every fact goes through ``hub.facts.activity.record`` with the kind names the
reports read: opened, reopened, assigned, transferred, taken_over, replied,
first_response, resolved (and the ``answered`` counter of the day a conversation
was opened, for "answered today"). The facts of a change live beside the change
in ``hub.store.facts``; this module names them for the rest of the hub.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId

from hub.facts.reply_time import first_response_amounts
from hub.models import Conversation, Message
from hub.store import facts
from hub.store.facts import account_tz, change_fields, changed, transfers

__all__ = ["account_tz", "change_fields", "changed", "opened", "replied", "transfers"]


async def opened(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    *,
    reopened: bool,
    team_id: str | None,
    channel_id: str,
    at: dt.datetime,
    by_business: bool = False,
) -> None:
    """A conversation opened (or reopened) by an inbound message at ``at``; or opened by
    the business's first message (``business_opened``: not an opening the answered and
    unanswered figures count; the customer's first answer is its ``opened``)."""
    kind = "business_opened" if by_business else "reopened" if reopened else "opened"
    await facts.record(
        account_id, kind, at=at, tz=await account_tz(account_id),
        conversation_id=conversation_id, team_id=team_id, channel_id=channel_id,
        actor={"type": "business" if by_business else "contact"},
    )  # fmt: skip


def _seconds(later: dt.datetime, earlier: dt.datetime) -> float:
    return max(0.0, (later - earlier).total_seconds())


async def replied(conversation: Conversation, message: Message) -> None:
    """A public reply by a person: ``replied``, and the conversation's first response once."""
    if message.sender.type != "agent" or message.private:
        return
    account_id, at = conversation.account_id, message.created_at
    tz = await account_tz(account_id)
    base: dict[str, Any] = {
        "at": at, "tz": tz, "conversation_id": conversation.id, "user_id": message.sender.id,
        "team_id": conversation.team_id, "channel_id": str(conversation.channel_id),
        "actor": {"type": "user", "id": message.sender.id},
    }  # fmt: skip
    await facts.record(account_id, "replied", **base)
    started = conversation.opened_at or conversation.last_inbound_at
    if started is None:
        return  # the business spoke first: no customer message to answer yet
    seconds = _seconds(at, started)
    if await facts.first_response(conversation, at, seconds):
        await facts.record(
            account_id, "first_response", amounts=first_response_amounts(seconds),
            data={"seconds": seconds}, **base,
        )  # fmt: skip
        await facts.count(
            account_id, "answered", at=started, tz=tz, team_id=conversation.team_id,
            channel_id=str(conversation.channel_id),
        )  # fmt: skip
