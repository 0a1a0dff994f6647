"""Tenant-scoped reads and changes of conversations and messages, for the API and the inbox.

Every function takes the account id first and filters on it: an id from another
account is simply not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from beanie import PydanticObjectId

from hub.contract import now
from hub.models import Conversation, User
from hub.store import facts as handling
from hub.store import labels as label_store
from hub.store import paging, refs
from hub.store.errors import InvalidChange, NotFound
from hub.store.ids import parse_id, try_id
from hub.store.paging import decode_cursor, encode_cursor

__all__ = ["InvalidChange", "NotFound", "decode_cursor", "encode_cursor"]


def oid(value: str | PydanticObjectId | None) -> PydanticObjectId:
    """``hub.store.ids.parse_id`` under the name the store's callers use: ``NotFound``."""
    return parse_id(value)


# --------------------------------------------------------------------------- conversations


async def get_conversation(
    account_id: PydanticObjectId, conversation_id: str | PydanticObjectId
) -> Conversation:
    """The account's conversation by id: an ``_id`` index look-up, the account checked after."""
    doc = await paging.by_id(
        Conversation.get_pymongo_collection(), account_id, oid(conversation_id)
    )
    if doc is None:
        raise NotFound(str(conversation_id))
    conversation: Conversation = Conversation.model_validate(doc)
    return conversation


#: Equality shapes that lead an index of ``conversations`` ending in ``last_message_at``,
#: most selective first. A shape needing a field it does not have is widened by a union
#: over that field's values (``status`` alone reads both handlers), not by another index.
HANDLERS = ("human", "bot")


def list_shapes(filters: Mapping[str, object]) -> list[dict[str, object]]:
    """The index-leading equality shapes for the API's exact-match ``filters``."""
    if "contact_id" in filters:
        return [{"contact_id": filters["contact_id"]}]
    if "assignee_id" in filters:
        statuses = [filters["status"]] if "status" in filters else list(STATUSES)
        return [{"assignee_id": filters["assignee_id"], "status": s} for s in statuses]
    if "channel_id" in filters:
        return [{"channel_id": filters["channel_id"]}]
    if "team_id" in filters:
        return [{"team_id": filters["team_id"]}]
    if "status" in filters:
        return [{"handler": h, "status": filters["status"]} for h in HANDLERS]
    return [{}]


async def list_conversations(
    account_id: PydanticObjectId,
    filters: Mapping[str, object],
    limit: int = 25,
    cursor: str | None = None,
) -> tuple[list[Conversation], str | None]:
    """Conversations newest activity first; ``filters`` are exact-match fields."""

    def _keep(doc: dict[str, Any]) -> bool:
        return all(doc.get(k) == v for k, v in filters.items())

    shapes = [{"account_id": account_id, **shape} for shape in list_shapes(filters)]
    docs, next_cursor = await paging.read_window(
        Conversation.get_pymongo_collection(),
        shapes,
        "last_message_at",
        limit=limit,
        cursor=cursor,
        keep=_keep,
    )
    return [Conversation.model_validate(d) for d in docs], next_cursor


async def recent_first(
    account_id: PydanticObjectId,
    shape: Mapping[str, object] | Sequence[Mapping[str, object]],
    keep: Callable[[dict[str, Any]], bool],
    limit: int = 25,
    cursor: str | None = None,
    horizon_hours: int | None = None,
    budget: int | None = None,
) -> tuple[list[Conversation], str | None]:
    """A page of conversations, newest activity first (``hub.store.paging.read_window``),
    back to ``horizon_hours`` before now if given, else through the whole history.

    ``shape``: equality fields that lead a declared index after ``account_id`` and before
    ``last_message_at`` (e.g. ``{"assignee_id": …, "status": …}``), or a list of them
    read together (a union instead of ``$in``); ``keep`` applies the
    other filters in Python to the raw document (only kept ones become models).
    """
    since = None if horizon_hours is None else now() - dt.timedelta(hours=horizon_hours)
    shapes = [shape] if isinstance(shape, Mapping) else shape
    docs, next_cursor = await paging.read_window(
        Conversation.get_pymongo_collection(),
        [{"account_id": account_id, **s} for s in shapes],
        "last_message_at",
        limit=limit,
        cursor=cursor,
        keep=keep,
        since=since,
        budget=budget,
    )
    return [Conversation.model_validate(d) for d in docs], next_cursor


async def update_conversation(
    account_id: PydanticObjectId,
    conversation_id: str | PydanticObjectId,
    changes: Mapping[str, object],
    actor: Mapping[str, object] | None = None,
) -> Conversation:
    """Apply status, assignee, team, labels or priority changes after checking them.

    ``changes`` holds what is given (``assignee_id``, ``status`` with ``snoozed_until``,
    ``team_id``, ``labels``, ``priority``, ``handler``); each value is checked here.

    ``actor`` (``{"type": "user", "id": …}``) is who made the change, for the facts
    ``hub.store.facts`` records (a supervisor assigning to themself takes over).
    """
    conversation = await get_conversation(account_id, conversation_id)
    update: dict[str, Any] = {}
    if "assignee_id" in changes:
        assignee = changes["assignee_id"]
        if assignee is not None:
            user = await User.find_one(
                User.id == try_id(assignee),
                User.account_id == account_id,
                User.active == True,  # noqa: E712
            )
            if user is None:
                raise InvalidChange(
                    "unknown_assignee",
                    "assignee_id: no active user of this account has that id",
                    field="assignee_id",
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
        moved = handling.transfers(conversation, update, actor)
        update.update(handling.change_fields(conversation, update))
        update.update(_queue_entry(conversation, update))
        await Conversation.get_pymongo_collection().update_one(
            {"_id": conversation.id, "account_id": account_id},
            {"$set": update, "$inc": {"transfers": moved}},
        )
        if "labels" in update:  # a label's first use creates it
            await label_store.ensure_labels(account_id, update["labels"])
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


def _status_change(status: object, snoozed_until: object) -> dict[str, Any]:
    if status not in STATUSES:
        raise InvalidChange("invalid_status", f"status must be one of {', '.join(STATUSES)}")
    update: dict[str, Any] = {
        "status": status,
        "resolved_at": now() if status == "resolved" else None,
        "snoozed_until": None,
    }
    if status == "snoozed":
        if not isinstance(snoozed_until, dt.datetime):
            raise InvalidChange("snooze_needs_time", "snoozing needs the time to wake it")
        if snoozed_until.tzinfo is None:
            raise InvalidChange("snooze_needs_timezone", "the wake-up time needs a time zone")
        update["snoozed_until"] = snoozed_until
    return update


async def _team_of(account_id: PydanticObjectId, team_id: object) -> str:
    """The account's team as conversations keep it; 400 ``unknown_team`` for anything else
    (another account's id, a team's name)."""
    return str(await refs.known_team(account_id, team_id, "team_id"))


def _labels(labels: object) -> list[str]:
    """Labels trimmed, lower-cased and de-duplicated, in the order given."""
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise InvalidChange("invalid_labels", "labels must be a list of strings")
    texts: list[str] = labels
    clean = [x.strip().lower()[:50] for x in texts if x.strip()]
    if len(clean) > 50:
        raise InvalidChange("too_many_labels", "a conversation holds at most 50 labels")
    return list(dict.fromkeys(clean))


async def mark_read(account_id: PydanticObjectId, conversation: Conversation) -> None:
    """Clear the unread count. Writes only when there is something to clear, so a page
    that refreshes on its own conversation's change event does not loop."""
    if conversation.unread:
        await Conversation.get_pymongo_collection().update_one(
            {"_id": conversation.id, "account_id": account_id, "unread": {"$gt": 0}},
            {"$set": {"unread": 0, "agent_seen_at": now()}},
        )
        conversation.unread = 0


# ---- added by views


async def open_assigned_to(
    account_id: PydanticObjectId, assignee_id: str, limit: int
) -> list[Conversation]:
    """The open conversations assigned to ``assignee_id``, newest activity first, at most
    ``limit`` (the ``(account_id, assignee_id, status, last_message_at)`` index)."""
    query = {"account_id": account_id, "assignee_id": assignee_id, "status": "open"}
    return (
        await Conversation.find(query)
        .sort(-Conversation.last_message_at)  # type: ignore[operator]
        .limit(limit)
        .to_list()
    )


async def open_ids_assigned_to(
    account_id: PydanticObjectId, assignee_id: str, limit: int = 500
) -> set[PydanticObjectId]:
    """Ids of the open conversations assigned to ``assignee_id`` (at most ``limit``)."""
    found = (
        Conversation.get_pymongo_collection()
        .find(
            {"account_id": account_id, "assignee_id": assignee_id, "status": "open"},
            {"_id": 1},
        )
        .limit(limit)
    )
    return {PydanticObjectId(doc["_id"]) async for doc in found}


async def recent_of_contact(
    account_id: PydanticObjectId, contact_id: PydanticObjectId, limit: int = 20
) -> list[Conversation]:
    """The contact's conversations, newest activity first, at most ``limit``."""
    return (
        await Conversation.find(
            Conversation.account_id == account_id, Conversation.contact_id == contact_id
        )
        .sort(-Conversation.last_message_at)  # type: ignore[operator]
        .limit(limit)
        .to_list()
    )


async def rename_contact(
    account_id: PydanticObjectId, contact_id: PydanticObjectId, name: str | None
) -> None:
    """Show the contact's new name on all of its conversations (one write)."""
    await Conversation.get_pymongo_collection().update_many(
        {"account_id": account_id, "contact_id": contact_id},
        {"$set": {"contact_name": name}},
    )


# ---- added by routing
# What routing needs of conversations beyond the queues (``hub.store.queues``).


async def mark_out_of_office_sent(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> bool:
    """Note the out-of-office text as sent; True only for the first caller."""
    first = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id, "out_of_office_sent": {"$ne": True}},
        {"$set": {"out_of_office_sent": True}},
    )
    return bool(first.modified_count)


async def leave_team_all(account_id: PydanticObjectId, team_id: PydanticObjectId) -> None:
    """Every conversation of the team goes to the queue without a team (it is being removed)."""
    await Conversation.get_pymongo_collection().update_many(
        {"account_id": account_id, "team_id": str(team_id)},
        {"$set": {"team_id": None, "team_since": now()}},
    )


async def conversations_by_ids(
    account_id: PydanticObjectId, ids: list[PydanticObjectId]
) -> list[Conversation]:
    """The account's conversations with these ids (an ``_id`` ``$in`` look-up)."""
    return await Conversation.find({"_id": {"$in": ids}, "account_id": account_id}).to_list()


# --------------------------------------------------------------------------- the pipeline's writes


async def mark_answered(
    conversation: Conversation, preview: str, at: dt.datetime, *, answers: bool = True
) -> None:
    """A public message went into the conversation: its last message, and unless it is an
    automatic one (``answers`` False: out-of-office, offers, surveys) no longer waiting."""
    update: dict[str, Any] = {
        "$set": {"last_message_at": at, "last_message_preview": preview, "updated_at": at},
        "$inc": {"messages_out": 1},
    }
    if answers:
        update["$unset"] = {"waiting_since": ""}
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": conversation.account_id}, update
    )
