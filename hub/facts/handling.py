"""The handling facts of a conversation, recorded as they happen for reports and the wallboard.

Ingest calls ``opened``; ``hub.store.conversations.update_conversation`` calls
``change_fields`` (the row's own fact fields, written with the change) and
``changed`` (the events); ``hub.pipeline.outbox.enqueue`` calls ``replied``.
Every fact goes through ``hub.facts.activity.record`` with the kind names the
reports read: opened, reopened, assigned, transferred, taken_over, replied,
first_response, resolved (and the ``answered`` counter of the day a conversation
was opened, for "answered today").
"""

from __future__ import annotations

import time
from typing import Any

from beanie import PydanticObjectId

from hub.contract import now
from hub.facts import activity
from hub.facts.reply_time import first_response_amounts
from hub.models import Account, Conversation, Message

TZ_CACHE_SECONDS = 60.0
_zones: dict[PydanticObjectId, tuple[float, str]] = {}


async def account_tz(account_id: PydanticObjectId) -> str:
    """The account's time zone (``UTC`` until accounts carry one), cached briefly."""
    cached = _zones.get(account_id)
    if cached is not None and time.monotonic() - cached[0] < TZ_CACHE_SECONDS:
        return cached[1]
    account = await Account.get(account_id)
    tz = str(getattr(account, "timezone", None) or "UTC")
    _zones[account_id] = (time.monotonic(), tz)
    return tz


def _seconds(later: Any, earlier: Any) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


async def opened(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    *,
    reopened: bool,
    team_id: str | None,
    channel_id: str,
    at: Any,
) -> None:
    """A conversation opened (or reopened) by an inbound message at ``at``."""
    await activity.record(
        account_id, "reopened" if reopened else "opened", at=at, tz=await account_tz(account_id),
        conversation_id=conversation_id, team_id=team_id, channel_id=channel_id,
        actor={"type": "contact"},
    )  # fmt: skip


def change_fields(before: Conversation, update: dict[str, Any]) -> dict[str, Any]:
    """Fact fields that go with a change: assignment time, reopening, resolution time."""
    extra: dict[str, Any] = {}
    at = now()
    if update.get("assignee_id") and update["assignee_id"] != before.assignee_id:
        extra["assigned_at"] = at
    status = update.get("status")
    if status == "resolved" and before.status != "resolved":
        extra["resolution_seconds"] = _seconds(at, before.opened_at or before.created_at)
    if status == "open" and before.status == "resolved":
        extra.update(opened_at=at, first_response_at=None, first_response_seconds=None)
        extra["resolution_seconds"] = None
    return extra


def transfers(before: Conversation, update: dict[str, Any]) -> int:
    """1 when a change hands the conversation on: from its assignee, or to another team."""
    to_other = "assignee_id" in update and update["assignee_id"] != before.assignee_id
    new_team = "team_id" in update and update["team_id"] != before.team_id
    return int(bool(before.assignee_id and to_other) or new_team)


async def changed(
    before: Conversation, after: Conversation, actor: dict[str, Any] | None = None
) -> None:
    """Record what a change did: assignment, transfer or take-over, resolution, reopening."""
    actor = actor or {"type": "system"}
    tz = await account_tz(after.account_id)
    base: dict[str, Any] = {
        "tz": tz, "conversation_id": after.id, "team_id": after.team_id,
        "channel_id": str(after.channel_id), "actor": actor,
    }  # fmt: skip
    if after.assignee_id != before.assignee_id or after.team_id != before.team_id:
        await _moved(before, after, actor, base)
    if after.status == "resolved" and before.status != "resolved":
        amounts = {"resolution_seconds": after.resolution_seconds or 0.0}
        handle = _seconds(now(), after.assigned_at) if after.assignee_id else None
        if handle is not None:
            amounts["handle_seconds"] = handle
        await activity.record(
            after.account_id, "resolved", user_id=after.assignee_id, amounts=amounts,
            data={"handle_seconds": handle, "resolution_seconds": after.resolution_seconds},
            **base,
        )  # fmt: skip
    if after.status == "open" and before.status == "resolved":
        await activity.record(after.account_id, "reopened", **base)


async def _moved(
    before: Conversation, after: Conversation, actor: dict[str, Any], base: dict[str, Any]
) -> None:
    took_it = actor.get("id") is not None and actor.get("id") == after.assignee_id
    if before.assignee_id and before.assignee_id != after.assignee_id and took_it:
        kind = "taken_over"  # someone took it from the agent: not the agent's transfer
    elif before.assignee_id or after.team_id != before.team_id:
        kind = "transferred"
    else:
        kind = ""
    data = {"from_user": before.assignee_id, "to_user": after.assignee_id,
            "from_team": before.team_id, "to_team": after.team_id}  # fmt: skip
    if kind:
        await activity.record(after.account_id, kind, user_id=before.assignee_id, data=data, **base)
    if after.assignee_id and after.assignee_id != before.assignee_id:
        await activity.record(after.account_id, "assigned", user_id=after.assignee_id, **base)


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
    await activity.record(account_id, "replied", **base)
    started = conversation.opened_at or conversation.last_inbound_at
    if started is None:
        return  # the business spoke first: no customer message to answer yet
    seconds = _seconds(at, started) or 0.0
    first = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": account_id, "first_response_at": None},
        {"$set": {"first_response_at": at, "first_response_seconds": seconds}},
    )
    if first.modified_count:
        await activity.record(
            account_id, "first_response", amounts=first_response_amounts(seconds),
            data={"seconds": seconds}, **base,
        )  # fmt: skip
        await activity.count(
            account_id, "answered", at=started, tz=tz, team_id=conversation.team_id,
            channel_id=str(conversation.channel_id),
        )  # fmt: skip
