"""Tenant-scoped reads and changes of conversations and messages, for the API and the inbox.

Every function takes the account id first and filters on it: an id from another
account is simply not found.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId

from hub.contract import now
from hub.errors import InvalidInput as InvalidInput
from hub.errors import NotFound as NotFound
from hub.facts import handling
from hub.models import Conversation, Message, Team, User

#: A refused change of a conversation (kept name; the hub's ``InvalidInput``).
InvalidChange = InvalidInput


def oid(value: str | PydanticObjectId | None) -> PydanticObjectId:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        raise NotFound(str(value)) from None


# --------------------------------------------------------------------------- cursors


def encode_cursor(at: dt.datetime, id_: PydanticObjectId | None) -> str:
    raw = f"{at.isoformat()}|{id_}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, PydanticObjectId]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, id_ = raw.partition("|")
        return dt.datetime.fromisoformat(at), PydanticObjectId(id_)
    except (ValueError, InvalidId, UnicodeDecodeError):
        raise InvalidChange("invalid_cursor", "the cursor is not one this API gave out") from None


def _after(field: str, cursor: str | None, descending: bool) -> dict[str, Any]:
    if not cursor:
        return {}
    at, id_ = decode_cursor(cursor)
    op = "$lt" if descending else "$gt"
    return {"$or": [{field: {op: at}}, {field: at, "_id": {op: id_}}]}


# --------------------------------------------------------------------------- conversations


async def get_conversation(account_id: PydanticObjectId, conversation_id: str) -> Conversation:
    found = await Conversation.find_one(
        Conversation.id == oid(conversation_id), Conversation.account_id == account_id
    )
    if found is None:
        raise NotFound(conversation_id)
    return found


async def list_conversations(
    account_id: PydanticObjectId,
    filters: dict[str, Any],
    limit: int = 25,
    cursor: str | None = None,
) -> tuple[list[Conversation], str | None]:
    """Conversations newest activity first; ``filters`` are exact-match fields."""
    query: dict[str, Any] = {
        "account_id": account_id,
        **filters,
        **_after("last_message_at", cursor, True),
    }
    docs = (
        await Conversation.find(query).sort("-last_message_at", "-_id").limit(limit + 1).to_list()
    )
    return _page(docs, limit, lambda c: c.last_message_at)


#: How far back (hours before the page's upper bound) each successive window reaches;
#: ``None``: everything older.
WINDOW_HOURS: tuple[int | None, ...] = (1, 6, 24, 7 * 24, 30 * 24, 90 * 24, 365 * 24, None)


async def recent_first(
    account_id: PydanticObjectId,
    shape: dict[str, Any],
    keep: Callable[[dict[str, Any]], bool],
    limit: int = 25,
    cursor: str | None = None,
    horizon_hours: int | None = None,
) -> tuple[list[Conversation], str | None]:
    """A page of conversations, newest activity first, read in growing time windows
    (back to ``horizon_hours`` before now if given, else through the whole history).

    The embedded database uses an index only when a query's fields are exactly the
    leading fields of one index, and it sorts in memory. So every query here is
    ``account_id`` + ``shape`` (equality fields that lead a declared index, e.g.
    ``{"assignee_id": …}``) + a ``last_message_at`` range, and ``keep`` applies the
    other filters in Python, to the raw document (only kept ones become models). The windows grow until the page is full, so a page
    reads about as many conversations as recent activity holds, not the whole account.
    """
    collection = Conversation.get_pymongo_collection()
    top = decode_cursor(cursor) if cursor else None
    anchor = top[0] if top else now()
    upper: dict[str, Any] = {"$lte": top[0]} if top else {}
    found: list[Conversation] = []
    for hours in windows(horizon_hours):
        bounds = dict(upper)
        if hours is not None:
            bounds["$gte"] = anchor - dt.timedelta(hours=hours)
        query: dict[str, Any] = {"account_id": account_id, **shape}
        if bounds:
            query["last_message_at"] = bounds
        async for doc in collection.find(query).sort([("last_message_at", -1), ("_id", -1)]):
            if (top is None or _older(doc, top)) and keep(doc):
                found.append(Conversation.model_validate(doc))
        if len(found) > limit or hours is None:
            break
        upper = {"$lt": bounds["$gte"]}
    return _page(found, limit, lambda c: c.last_message_at)


def windows(horizon_hours: int | None) -> tuple[int | None, ...]:
    """``WINDOW_HOURS`` cut at a horizon (the horizon itself is the last window)."""
    if horizon_hours is None:
        return WINDOW_HOURS
    return (*(h for h in WINDOW_HOURS if h is not None and h < horizon_hours), horizon_hours)


def _older(doc: dict[str, Any], top: tuple[dt.datetime, PydanticObjectId]) -> bool:
    """After the cursor in newest-first order (ties on the time broken by id)."""
    at, id_ = top
    return bool(doc["last_message_at"] < at or (doc["last_message_at"] == at and doc["_id"] < id_))


async def update_conversation(
    account_id: PydanticObjectId,
    conversation_id: str,
    changes: dict[str, Any],
    actor: dict[str, Any] | None = None,
) -> Conversation:
    """Apply status, assignee, team, labels or priority changes after checking them.

    ``actor`` (``{"type": "user", "id": …}``) is who made the change, for the facts
    ``hub.facts.handling`` records (a supervisor assigning to themself takes over).
    """
    conversation = await get_conversation(account_id, conversation_id)
    update: dict[str, Any] = {}
    if "assignee_id" in changes:
        assignee = changes["assignee_id"]
        if assignee is not None:
            user = await User.find_one(
                User.id == oid_or_invalid(assignee),
                User.account_id == account_id,
                User.active == True,  # noqa: E712
            )
            if user is None:
                raise InvalidChange(
                    "unknown_assignee", "no active user of this account has that id"
                )
            assignee = str(user.id)
        update["assignee_id"] = assignee
    if "status" in changes:
        update.update(_status_change(changes["status"], changes.get("snoozed_until")))
    if changes.get("team_id") is not None:
        update["team_id"] = await _team_of(account_id, changes["team_id"])
    elif "team_id" in changes:
        update["team_id"] = None
    if "labels" in changes:
        update["labels"] = _labels(changes["labels"])
    if "priority" in changes:
        if changes["priority"] not in PRIORITIES:
            raise InvalidChange(
                "invalid_priority", f"priority must be one of {', '.join(PRIORITIES)}"
            )
        update["priority"] = changes["priority"]
    if "handler" in changes:
        update["handler"] = changes["handler"]
    if update:
        update["updated_at"] = now()
        moved = handling.transfers(conversation, update)
        update.update(handling.change_fields(conversation, update))
        update.update(_queue_entry(conversation, update))
        await Conversation.get_pymongo_collection().update_one(
            {"_id": conversation.id, "account_id": account_id},
            {"$set": update, "$inc": {"transfers": moved}},
        )
        before, conversation = conversation, await get_conversation(account_id, conversation_id)
        await handling.changed(before, conversation, actor)
    return conversation


def _queue_entry(before: Conversation, update: dict[str, Any]) -> dict[str, Any]:
    """A conversation that ends up unassigned in a (new) queue starts waiting there now.

    A transfer to a team re-enters its queue; one to an agent bypasses it.
    """
    assignee = update.get("assignee_id", before.assignee_id)
    team = update.get("team_id", before.team_id)
    if assignee is not None:
        return {}
    moved = team != before.team_id or before.assignee_id is not None
    return {"queued_at": now(), "team_since": now()} if moved else {}


PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("open", "pending", "snoozed", "resolved")


def _status_change(status: str, snoozed_until: dt.datetime | None) -> dict[str, Any]:
    if status not in STATUSES:
        raise InvalidChange("invalid_status", f"status must be one of {', '.join(STATUSES)}")
    update: dict[str, Any] = {
        "status": status,
        "resolved_at": now() if status == "resolved" else None,
        "snoozed_until": None,
    }
    if status == "snoozed":
        if snoozed_until is None:
            raise InvalidChange("snooze_needs_time", "snoozing needs the time to wake it")
        if snoozed_until.tzinfo is None:
            raise InvalidChange("snooze_needs_timezone", "the wake-up time needs a time zone")
        update["snoozed_until"] = snoozed_until
    return update


async def _team_of(account_id: PydanticObjectId, team_id: str) -> str:
    team = await Team.find_one(Team.id == oid_or_invalid(team_id), Team.account_id == account_id)
    if team is None:
        raise InvalidChange("unknown_team", "no team of this account has that id")
    return str(team.id)


def oid_or_invalid(value: str) -> PydanticObjectId:
    try:
        return oid(value)
    except NotFound:
        raise InvalidChange("invalid_id", f"{value!r} is not an id") from None


def _labels(labels: list[str]) -> list[str]:
    """Labels trimmed, lower-cased and de-duplicated, in the order given."""
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise InvalidChange("invalid_labels", "labels must be a list of strings")
    clean = [x.strip().lower()[:50] for x in labels if x.strip()]
    if len(clean) > 50:
        raise InvalidChange("too_many_labels", "a conversation holds at most 50 labels")
    return list(dict.fromkeys(clean))


# --------------------------------------------------------------------------- messages


async def list_messages(
    account_id: PydanticObjectId, conversation_id: str, limit: int = 50, cursor: str | None = None
) -> tuple[list[Message], str | None]:
    """A conversation's messages, oldest first."""
    conversation = await get_conversation(account_id, conversation_id)
    query: dict[str, Any] = {
        "account_id": account_id,
        "conversation_id": conversation.id,
        **_after("created_at", cursor, False),
    }
    docs = await Message.find(query).sort("+created_at", "+_id").limit(limit + 1).to_list()
    return _page(docs, limit, lambda m: m.created_at)


async def recent_messages(
    account_id: PydanticObjectId, conversation: Conversation, limit: int = 200
) -> list[Message]:
    """The conversation's newest ``limit`` messages, oldest first (the inbox's thread)."""
    docs = (
        await Message.find({"account_id": account_id, "conversation_id": conversation.id})
        .sort("-created_at", "-_id")
        .limit(limit)
        .to_list()
    )
    return docs[::-1]


async def mark_read(account_id: PydanticObjectId, conversation: Conversation) -> None:
    """Clear the unread count. Writes only when there is something to clear, so a page
    that refreshes on its own conversation's change event does not loop."""
    if conversation.unread:
        await Conversation.get_pymongo_collection().update_one(
            {"_id": conversation.id, "account_id": account_id, "unread": {"$gt": 0}},
            {"$set": {"unread": 0, "agent_seen_at": now()}},
        )
        conversation.unread = 0


async def get_message(account_id: PydanticObjectId, message_id: str) -> Message:
    found = await Message.find_one(Message.id == oid(message_id), Message.account_id == account_id)
    if found is None:
        raise NotFound(message_id)
    return found


def _page(docs: list[Any], limit: int, key: Any) -> tuple[list[Any], str | None]:
    if len(docs) <= limit:
        return docs, None
    docs = docs[:limit]
    return docs, encode_cursor(key(docs[-1]), docs[-1].id)


async def set_subject(
    account_id: PydanticObjectId, conversation: Conversation, subject: str
) -> None:
    """Name a thread the business starts (email): its replies then carry ``Re: <subject>``."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": account_id}, {"$set": {"subject": subject}}
    )
    conversation.subject = subject
