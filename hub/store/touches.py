"""How one touch of a conversation is written (``hub.store.threads.touch`` queues them).

A conversation is named by ``(account_id, channel_id, contact_key, thread_key)`` (a
unique index). ``write`` records one or more inbound messages (merged) on it: the first
message creates it with one ``find_one_and_update`` upsert (an index look-up when there
is no match); one that exists is written with ``update_one`` by ``_id`` through a
guarded pipeline (``_guarded``: the server refuses it unless the conversation is still
as read), and the answer is computed from the read (``_settle``). On SecantusDB
``find_one_and_update`` on a match re-finds the document with a filter no index serves
(a scan of the collection), so the steady state avoids it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, WriteError

from hub.contract import now
from hub.models import Conversation
from hub.models.conversation import CURRENT_THREAD

#: What the conversation upsert reads back: its id, and whether it waits in a queue again.
TOUCHED = {"_id": 1, "assignee_id": 1, "queued_at": 1, "open_token": 1, "team_id": 1}
#: What ``current`` reads of a conversation before a message is recorded on it: what the
#: touch's answer depends on (``_settle``), and what a survey answer needs
#: (``hub.store.csat.SurveyTarget``), so that one read serves both.
BEFORE = {
    **TOUCHED,
    "account_id": 1,
    "channel_id": 1,
    "contact_key": 1,
    "thread_key": 1,
    "status": 1,
    "handler": 1,
    "sla": 1,
    "csat_survey": 1,
    "csat": 1,
}
#: The server's refusal of a write that would change ``_id``: the guard of ``_guarded``.
IMMUTABLE_FIELD = 66


@dataclass(frozen=True)
class ThreadKey:
    """The unique name of a conversation."""

    account_id: PydanticObjectId
    channel_id: PydanticObjectId
    contact_key: str
    thread_key: str = CURRENT_THREAD

    def _query(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "channel_id": self.channel_id,
            "contact_key": self.contact_key,
            "thread_key": self.thread_key,
        }


@dataclass(frozen=True)
class Arrival:
    """An inbound message as its conversation records it."""

    at: dt.datetime
    channel_type: str
    preview: str
    subject: str | None
    #: The number or address the customer wrote to (replies leave from it), if known.
    business_address: str | None
    #: The sender's name, when the message carries one.
    contact_name: str | None
    #: Who handles the conversation if this message opens it (``hub.pipeline.rules.Route``).
    handler: str
    bot_id: str | None
    team_id: str | None


class Touched(NamedTuple):
    """What ``touch`` did to the conversation."""

    id: PydanticObjectId
    #: This call created it.
    created: bool
    #: This call opened or reopened it (its facts start now).
    opened: bool
    #: This call opened it for its customer the first time: created it, or it was opened
    #: by the business (``open_token`` "business") and this is the customer's first message.
    first: bool
    #: Its team, as the upsert left it.
    team_id: str | None
    #: Reopened without an assignee: it waits in its queue again.
    requeued: bool
    #: It had SLA clocks before this message (a conversation without any needs no
    #: clock read unless this message created it: ``hub.centre.sla.clocks.on_inbound``).
    clocked: bool = True


class Before(NamedTuple):
    """The contact's conversation as ``current`` read it (``doc`` None: there was none).

    Handed to ``touch`` so the touch need not read it again; a stale one costs a retry,
    never a wrong answer (the touch is guarded by what was read)."""

    key: ThreadKey
    doc: dict[str, Any] | None


def _touch_pipeline(
    arrival: Arrival, new_id: PydanticObjectId, token: str, first_token: str
) -> list[dict[str, Any]]:
    """The update pipeline that records an inbound message on its conversation.

    New: opened with the arrival's route. Resolved or snoozed: reopened. Either way the
    unread count, waiting time and last-message fields move. An opening (new or
    reopened) stores ``token`` in ``open_token``, so the caller can tell it opened it,
    and starts the opening's facts (``opened_at``; no first response yet). The
    customer's first message in a conversation the business opened stores
    ``first_token``: it is the conversation's first opening by its customer.
    """
    at = arrival.at

    def _keep(name: str, default: Any) -> dict[str, Any]:
        return {"$ifNull": [f"${name}", default]}

    reopen = {"$in": [_keep("status", "open"), ["resolved", "snoozed"]]}
    stage: dict[str, Any] = {
        "_id": _keep("_id", new_id),
        "created_at": _keep("created_at", at),
        "channel_type": arrival.channel_type,
        "handler": _keep("handler", arrival.handler),
        "bot_id": _keep("bot_id", arrival.bot_id),
        "team_id": _keep("team_id", arrival.team_id),
        "assignee_id": _keep("assignee_id", None),
        "labels": _keep("labels", []),
        "priority": _keep("priority", "normal"),
        "subject": _keep("subject", arrival.subject),
        "status": {"$cond": [reopen, "open", _keep("status", "open")]},
        "resolved_at": {"$cond": [reopen, None, _keep("resolved_at", None)]},
        # The queue (hub.centre.routing.queues): waiting for a person since; in this team since.
        "queued_at": {"$cond": [reopen, at, _keep("queued_at", at)]},
        "team_since": {"$cond": [reopen, at, _keep("team_since", at)]},
        "snoozed_until": {"$cond": [reopen, None, _keep("snoozed_until", None)]},
        "open_token": {
            "$cond": [
                {"$eq": [_keep("open_token", token), "business"]},
                first_token,
                {"$cond": [reopen, token, _keep("open_token", token)]},
            ]
        },
        "opened_at": {"$cond": [reopen, at, _keep("opened_at", at)]},
        "first_response_at": {"$cond": [reopen, None, _keep("first_response_at", None)]},
        "first_response_seconds": {"$cond": [reopen, None, _keep("first_response_seconds", None)]},
        "resolution_seconds": {"$cond": [reopen, None, _keep("resolution_seconds", None)]},
        "messages_in": {"$add": [_keep("messages_in", 0), 1]},
        "unread": {"$add": [_keep("unread", 0), 1]},
        "waiting_since": _keep("waiting_since", at),
        "last_message_at": {"$max": [_keep("last_message_at", at), at]},
        "last_inbound_at": {"$max": [_keep("last_inbound_at", at), at]},
        "last_message_preview": arrival.preview,
        "updated_at": now(),
    }
    if arrival.business_address:
        stage["business_address"] = arrival.business_address  # replies leave from it
    if arrival.contact_name:
        stage["contact_name"] = arrival.contact_name
    else:
        stage["contact_name"] = _keep("contact_name", None)
    return [{"$set": stage}]


class _Unread:
    """``write`` reads the conversation itself."""


UNREAD = _Unread()


async def write(
    key: ThreadKey, arrivals: list[Arrival], before: Before | None = None
) -> list[Touched]:
    """Record ``arrivals`` on the conversation ``key`` names, in order (merged into one
    command); ``before``: the conversation as read just now, if the caller read it."""
    known: dict[str, Any] | _Unread | None = (
        before.doc if before is not None and before.key == key else UNREAD
    )
    query = key._query()
    collection = Conversation.get_pymongo_collection()
    for _ in range(5):
        proposed = [
            (PydanticObjectId(), token, f"{token}:first")
            for token in (str(PydanticObjectId()) for _ in arrivals)
        ]
        if isinstance(known, _Unread):
            known = await collection.find_one(query, BEFORE)
        if known is not None:  # it exists: a guarded update by _id, the answer from ``known``
            pipeline = _guarded(key, known, arrivals, proposed)
            try:
                result = await collection.update_one({"_id": known["_id"]}, pipeline)
            except WriteError as exc:
                if exc.code != IMMUTABLE_FIELD:
                    raise
            else:
                if result.modified_count == 1:
                    return _settle(known, arrivals, proposed)
            known = UNREAD  # changed since it was read (or gone): read it again
            continue
        pipeline = [
            stage
            for arrival, (new_id, token, first_token) in zip(arrivals, proposed, strict=True)
            for stage in _touch_pipeline(arrival, new_id, token, first_token)
        ]
        try:  # the first message: an upsert (an index look-up when there is no match)
            doc = await collection.find_one_and_update(
                query,
                pipeline,
                upsert=True,
                return_document=ReturnDocument.AFTER,
                projection=TOUCHED,
            )
        except DuplicateKeyError:
            known = UNREAD
            continue  # a concurrent first message created it: update that one
        if doc is None:  # applied, but not returned (a racing upsert): read it back
            doc = await collection.find_one(query, TOUCHED)
        if doc is not None:
            return [
                _touched(doc, arrival, new_id, token, first_token)
                for arrival, (new_id, token, first_token) in zip(arrivals, proposed, strict=True)
            ]
        known = UNREAD
    raise RuntimeError("conversation upsert did not settle")


def _same(field: str, value: Any) -> dict[str, Any]:
    """Pipeline test: ``field`` is (still) ``value`` (missing counts as None)."""
    return {"$eq": [{"$ifNull": [f"${field}", None]}, value]}


def _guarded(
    key: ThreadKey,
    known: dict[str, Any],
    arrivals: list[Arrival],
    proposed: list[tuple[PydanticObjectId, str, str]],
) -> list[dict[str, Any]]:
    """The touch pipeline of ``arrivals``, applied only if the conversation is still as
    ``known`` (its account and thread, and every field ``_settle`` reads; its channel
    and contact key are never changed after it is created).

    The guard is the first stage: if the conversation changed, it sets ``_id`` to None,
    which the server refuses (``ImmutableField``, code 66) before writing anything; the
    caller reads again. (Wrapping each field in a ``$cond`` on the guard instead cost
    ~1.7 ms more a message on SecantusDB, whose expressions are evaluated in Python.)"""
    guard = {
        "$and": [
            _same("account_id", key.account_id),
            _same("thread_key", key.thread_key),
            *(
                _same(name, known.get(name))
                for name in ("status", "open_token", "assignee_id", "team_id", "queued_at")
            ),
            _same("sla.v", (known.get("sla") or {}).get("v")),
        ]
    }
    stages: list[dict[str, Any]] = [{"$set": {"_id": {"$cond": [guard, "$_id", None]}}}]
    for arrival, (new_id, token, first_token) in zip(arrivals, proposed, strict=True):
        stages.extend(_touch_pipeline(arrival, new_id, token, first_token))
    return stages


def _settle(
    known: dict[str, Any],
    arrivals: list[Arrival],
    proposed: list[tuple[PydanticObjectId, str, str]],
) -> list[Touched]:
    """What the touch pipeline did to a conversation that was ``known`` before it (the
    same rules as ``_touch_pipeline``, in order, for each merged arrival)."""
    status = known.get("status") or "open"
    open_token = known.get("open_token")
    team_id = known.get("team_id")
    queued_at = known.get("queued_at")
    unassigned = known.get("assignee_id") is None
    clocked = bool(known.get("sla"))
    found: list[Touched] = []
    for arrival, (_, token, first_token) in zip(arrivals, proposed, strict=True):
        reopen = status in ("resolved", "snoozed")
        held = open_token if open_token is not None else token
        if held == "business":
            open_token = first_token
        elif reopen:
            open_token = token
        else:
            open_token = held
        status = "open" if reopen else status
        queued_at = arrival.at if reopen or queued_at is None else queued_at
        team_id = team_id if team_id is not None else arrival.team_id
        again = abs(queued_at - arrival.at) < dt.timedelta(milliseconds=1)
        found.append(
            Touched(
                known["_id"],
                created=False,
                opened=open_token in (token, first_token),
                first=open_token == first_token,
                team_id=team_id,
                requeued=unassigned and again,
                clocked=clocked,
            )
        )
    return found


def _touched(
    doc: dict[str, Any], arrival: Arrival, new_id: PydanticObjectId, token: str, first_token: str
) -> Touched:
    created = doc["_id"] == new_id
    opened = doc.get("open_token") in (token, first_token)
    first = created or doc.get("open_token") == first_token
    # Reopened now (queued_at moved to this message) and nobody holds it: it waits.
    queued = doc.get("queued_at")
    again = queued is not None and abs(queued - arrival.at) < dt.timedelta(milliseconds=1)
    requeued = not created and doc.get("assignee_id") is None and again
    return Touched(doc["_id"], created, opened, first, doc.get("team_id"), requeued)
