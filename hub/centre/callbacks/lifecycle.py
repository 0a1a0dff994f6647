"""The callback list: a callback's states in one place, and the figures others read.

States: ``waiting`` → (an agent presses "I'm calling now": ``handler_id`` and
``calling_since`` are set, atomically, so a second agent is refused with who is
calling) → an attempt with a required note: ``reached`` ends it ``done``,
``no_answer`` puts it ``requeued``, due again after the team's
``requeue_after_minutes`` → … → ``done``. ``cancelled`` by a PATCH. Every attempt is
recorded as a ``callback_attempt`` activity (with ``callback_reached`` counted), so
the agent report can show attempts and reach rate without reading callbacks.

Used by the API, the inbox's list page, the widget and the offer on phone channels
(``hub.centre.callbacks.offer``). Routing's ``/queues`` and the wallboard call
``offer_active(account, team)`` and ``waiting_count(account_id, team_id)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import phonenumbers
from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

from hub.centre.callbacks.settings import (
    in_offer_hours,
    is_team_window,
    settings_of,
)
from hub.contract import Address, now
from hub.facts import activity
from hub.models import Account, CallbackAttempt, CallbackRequest, Conversation, Team
from hub.store.contacts import find_or_create_contact
from hub.store.conversations import NotFound

OPEN = ("waiting", "requeued")
STATUSES = ("waiting", "requeued", "done", "cancelled")
#: ``status`` filters of the list: one status, ``open`` (waiting and re-queued) or ``any``.
STATUS_FILTERS = (*STATUSES, "open", "any")
SORTS = ("requested_at", "window", "team", "customer_input", "handler", "status", "last_note")
#: Closed callbacks are listed from this far back (a bounded range on requested_at).
HISTORY_DAYS = 30
#: A window may be asked for up to this far ahead.
MAX_AHEAD_DAYS = 14
MAX_INPUT = 500
MAX_NOTE = 2000


class CallbackError(Exception):
    """A callback request refused; ``code`` is the public reason, ``field`` the culprit."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class InvalidCallback(CallbackError):
    """Bad input: nothing was written (the API answers 400)."""


class AlreadyCalling(CallbackError):
    """Another agent is calling this customer now (409, with who)."""

    def __init__(self, handler_id: str | None, handler_name: str) -> None:
        super().__init__("already_calling", f"{handler_name or 'another agent'} is calling now")
        self.handler_id = handler_id
        self.handler_name = handler_name


class CallbackClosed(CallbackError):
    """The callback is done or cancelled: no more calls or attempts (409)."""


def account_tz(account: Account) -> str:
    """The account's IANA time zone."""
    return account.timezone or "UTC"


def normalize_phone(raw: str, field: str = "phone") -> str:
    """``raw`` as E.164 (``+4520123456``); ``InvalidCallback`` when it is not a valid number."""
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidCallback(
            "invalid_phone", f"{field}: not a valid phone number in international form", field
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def oid(value: str | PydanticObjectId | None) -> PydanticObjectId:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        raise NotFound() from None


async def team_of(account_id: PydanticObjectId, team_id: str | None) -> Team | None:
    """The account's team ``team_id`` (None for none); ``InvalidCallback`` for another id."""
    if not team_id:
        return None
    try:
        team = await Team.find_one(
            Team.id == PydanticObjectId(team_id), Team.account_id == account_id
        )
    except (InvalidId, TypeError, ValueError):
        team = None
    if team is None:
        raise InvalidCallback("invalid_team", "team_id: no such team in this account", "team_id")
    return team


def check_window(account: Account, team: Team | None, start: dt.datetime, end: dt.datetime) -> None:
    """A window must lie ahead, and be one of the team's windows when the team lists any."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidCallback("invalid_window", "window: times need a time zone", "window")
    at = now()
    if not start < end or end - start > dt.timedelta(hours=24):
        raise InvalidCallback(
            "invalid_window", "window: from must be before until (≤ 24 h)", "window"
        )
    if end <= at:
        raise InvalidCallback("window_past", "window: that window has already ended", "window")
    if start > at + dt.timedelta(days=MAX_AHEAD_DAYS):
        raise InvalidCallback(
            "invalid_window", f"window: at most {MAX_AHEAD_DAYS} days ahead", "window"
        )
    settings = settings_of(team.callback if team else None)
    if settings["windows"] and not is_team_window(settings, start, end, account_tz(account)):
        raise InvalidCallback(
            "window_not_offered", "window: not one of the team's callback windows", "window"
        )


async def create(
    account: Account,
    *,
    phone: str,
    window_from: dt.datetime,
    window_until: dt.datetime,
    team_id: str | None = None,
    customer_input: str = "",
    contact_id: PydanticObjectId | None = None,
    conversation_id: PydanticObjectId | None = None,
    channel_id: str | None = None,
    source: str = "api",
) -> CallbackRequest:
    """Store a new waiting callback after checking every field (nothing is written otherwise)."""
    assert account.id is not None
    number = normalize_phone(phone)
    team = await team_of(account.id, team_id)
    check_window(account, team, window_from, window_until)
    if len(customer_input) > MAX_INPUT:
        raise InvalidCallback(
            "invalid_input", f"customer_input: at most {MAX_INPUT} characters", "customer_input"
        )
    if contact_id is None:
        contact = await find_or_create_contact(account.id, Address(kind="phone", value=number))
        contact_id = contact.id
    callback = CallbackRequest(
        account_id=account.id,
        contact_id=contact_id,
        phone=number,
        team_id=str(team.id) if team else None,
        conversation_id=conversation_id,
        channel_id=channel_id,
        source=source,
        requested_at=now(),
        window_from=window_from,
        window_until=window_until,
        customer_input=customer_input.strip(),
    )
    await callback.insert()
    return callback


async def get(account_id: PydanticObjectId, callback_id: str | PydanticObjectId) -> CallbackRequest:
    found = await CallbackRequest.find_one(
        CallbackRequest.id == oid(callback_id), CallbackRequest.account_id == account_id
    )
    if found is None:
        raise NotFound()
    return found


def _doc(doc: dict[str, Any] | None) -> CallbackRequest:
    if doc is None:
        raise NotFound()
    return CallbackRequest.model_validate(doc)


async def _refusal(account_id: PydanticObjectId, callback_id: PydanticObjectId) -> CallbackError:
    """Why an atomic change did not apply: closed, or someone else is calling."""
    current = await get(account_id, callback_id)
    if current.status not in OPEN:
        return CallbackClosed("callback_closed", f"this callback is {current.status}")
    return AlreadyCalling(current.handler_id, current.handler_name)


async def start_call(
    account_id: PydanticObjectId, callback_id: str, by_id: str, by_name: str
) -> CallbackRequest:
    """ "I'm calling now": mark ``by_id`` the handler, once; another agent gets ``AlreadyCalling``."""
    key = oid(callback_id)
    at = now()
    collection = CallbackRequest.get_pymongo_collection()
    base = {"_id": key, "account_id": account_id, "status": {"$in": list(OPEN)}}
    claim = {
        "$set": {
            "handler_id": by_id,
            "handler_name": by_name,
            "calling_since": at,
            "updated_at": at,
        }
    }
    # Two plain filters, not an $or: free, or already mine (pressing it twice is fine).
    for who in ({"calling_since": None}, {"handler_id": by_id}):
        doc = await collection.find_one_and_update(
            {**base, **who}, claim, return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            return _doc(doc)
    raise await _refusal(account_id, key)


async def release(
    account_id: PydanticObjectId, callback_id: str, by_id: str | None
) -> CallbackRequest:
    """Stop calling without an attempt: the handler ``by_id`` (or, with None, whoever calls:
    a supervisor freeing a callback someone left)."""
    key = oid(callback_id)
    query: dict[str, Any] = {"_id": key, "account_id": account_id}
    if by_id is not None:
        query["handler_id"] = by_id
    doc = await CallbackRequest.get_pymongo_collection().find_one_and_update(
        query,
        {"$set": {"calling_since": None, "updated_at": now()}},
        return_document=ReturnDocument.AFTER,
    )
    return _doc(doc) if doc is not None else await get(account_id, key)


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if not text:
        raise InvalidCallback("note_required", "note: write what happened on the call", "note")
    if len(text) > MAX_NOTE:
        raise InvalidCallback("invalid_note", f"note: at most {MAX_NOTE} characters", "note")
    return text


async def log_attempt(
    account: Account, callback_id: str, by_id: str, by_name: str, outcome: str, note: str | None
) -> CallbackRequest:
    """One call's outcome with its required note: ``reached`` → done, ``no_answer`` → requeued."""
    assert account.id is not None
    text = _note(note)
    if outcome not in ("reached", "no_answer"):
        raise InvalidCallback("invalid_outcome", "outcome: reached or no_answer", "outcome")
    key = oid(callback_id)
    current = await get(account.id, key)
    team = (
        await Team.find_one(Team.account_id == account.id, Team.id == oid(current.team_id))
        if current.team_id
        else None
    )
    pause = settings_of(team.callback if team else None)["requeue_after_minutes"]
    at = now()
    attempt = CallbackAttempt(
        at=at,
        by=by_id,
        by_name=by_name,
        outcome=outcome,
        note=text,
    )
    reached = outcome == "reached"
    change = {
        "$push": {"attempts": attempt.model_dump()},
        "$set": {
            "status": "done" if reached else "requeued",
            "due_at": None if reached else at + dt.timedelta(minutes=pause),
            "last_note": text,
            "handler_id": by_id,
            "handler_name": by_name,
            "calling_since": None,
            "updated_at": at,
        },
    }
    collection = CallbackRequest.get_pymongo_collection()
    base = {"_id": key, "account_id": account.id, "status": {"$in": list(OPEN)}}
    doc = None
    for who in ({"calling_since": None}, {"handler_id": by_id}):
        doc = await collection.find_one_and_update(
            {**base, **who}, change, return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            break
    if doc is None:
        raise await _refusal(account.id, key)
    await activity.record(
        account.id,
        "callback_attempt",
        at=at,
        tz=account_tz(account),
        conversation_id=current.conversation_id,
        user_id=by_id,
        team_id=current.team_id,
        channel_id=current.channel_id,
        actor={"type": "user" if by_id != "api" else "api_key", "id": by_id},
        data={"callback_id": str(key), "outcome": outcome},
        amounts={"callback_reached": 1 if reached else 0},
    )
    return _doc(doc)


async def update(account: Account, callback_id: str, changes: dict[str, Any]) -> CallbackRequest:
    """A PATCH: ``status`` (waiting/cancelled), ``customer_input``, ``phone``, ``team_id``,
    or ``window`` (``{"from", "until"}``). The handler changes through ``start_call``/``release``."""
    assert account.id is not None
    current = await get(account.id, callback_id)
    fields: dict[str, Any] = {}
    if "phone" in changes:
        fields["phone"] = normalize_phone(str(changes["phone"] or ""))
    team = await team_of(account.id, current.team_id) if current.team_id else None
    if "team_id" in changes:
        team = await team_of(account.id, changes["team_id"])
        fields["team_id"] = str(team.id) if team else None
    if "window" in changes:
        window = changes["window"]
        check_window(account, team, window["from"], window["until"])
        fields["window_from"], fields["window_until"] = window["from"], window["until"]
    if "customer_input" in changes:
        text = str(changes["customer_input"] or "").strip()
        if len(text) > MAX_INPUT:
            raise InvalidCallback(
                "invalid_input", f"customer_input: at most {MAX_INPUT}", "customer_input"
            )
        fields["customer_input"] = text
    if "status" in changes:
        if changes["status"] not in ("waiting", "cancelled"):
            raise InvalidCallback("invalid_status", "status: waiting or cancelled", "status")
        fields["status"] = changes["status"]
        fields["calling_since"] = None
        if changes["status"] == "waiting":
            fields["due_at"] = None
    if not fields:
        return current
    fields["updated_at"] = now()
    doc = await CallbackRequest.get_pymongo_collection().find_one_and_update(
        {"_id": current.id, "account_id": account.id},
        {"$set": fields},
        return_document=ReturnDocument.AFTER,
    )
    return _doc(doc)


# --------------------------------------------------------------------------- the list


def _sort_key(sort: str, team_names: dict[str, str]) -> Callable[[CallbackRequest], Any]:
    order = {s: i for i, s in enumerate(STATUSES)}
    keys: dict[str, Callable[[CallbackRequest], Any]] = {
        "requested_at": lambda c: c.requested_at,
        "window": lambda c: (c.window_from, c.window_until),
        "team": lambda c: team_names.get(c.team_id or "", "").lower(),
        "customer_input": lambda c: c.customer_input.lower(),
        "handler": lambda c: c.handler_name.lower(),
        "status": lambda c: order.get(c.status, 9),
        "last_note": lambda c: c.last_note.lower(),
    }
    main = keys[sort]
    return lambda c: (main(c), c.requested_at, str(c.id))


async def list_callbacks(
    account_id: PydanticObjectId,
    *,
    status: str = "open",
    team_id: str | None = None,
    sort: str = "requested_at",
    order: str = "asc",
    team_names: dict[str, str] | None = None,
) -> list[CallbackRequest]:
    """The account's callbacks with ``status`` (and ``team_id``), sorted by one column.

    Open callbacks are a small working set (one equality read per status); closed ones
    are read from the last ``HISTORY_DAYS`` by requested_at. The sort is done here, in
    memory, over that bounded set (the planner does not sort by index).
    """
    if status not in STATUS_FILTERS:
        raise InvalidCallback(
            "invalid_filter", f"status: one of {', '.join(STATUS_FILTERS)}", "status"
        )
    if sort not in SORTS:
        raise InvalidCallback("invalid_sort", f"sort: one of {', '.join(SORTS)}", "sort")
    if order not in ("asc", "desc"):
        raise InvalidCallback("invalid_order", "order: asc or desc", "order")
    wanted = {"open": OPEN, "any": STATUSES}.get(status, (status,))
    since = now() - dt.timedelta(days=HISTORY_DAYS)
    found: list[CallbackRequest] = []
    for one in wanted:
        query: dict[str, Any] = {"account_id": account_id, "status": one}
        if one not in OPEN:
            query["requested_at"] = {"$gte": since}
        found += await CallbackRequest.find(query).to_list()
    if team_id:
        found = [c for c in found if c.team_id == team_id]
    if team_names is None:
        team_names = await names_of_teams(account_id)
    return sorted(found, key=_sort_key(sort, team_names), reverse=order == "desc")


async def names_of_teams(account_id: PydanticObjectId) -> dict[str, str]:
    teams = await Team.find(Team.account_id == account_id).to_list()
    return {str(t.id): t.name for t in teams}


async def for_contact(
    account_id: PydanticObjectId, contact_id: PydanticObjectId
) -> list[CallbackRequest]:
    """The contact's callbacks, newest first (their timeline)."""
    found = await CallbackRequest.find(
        CallbackRequest.account_id == account_id, CallbackRequest.contact_id == contact_id
    ).to_list()
    return sorted(found, key=lambda c: c.requested_at, reverse=True)


async def for_conversation(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> list[CallbackRequest]:
    found = await CallbackRequest.find(
        CallbackRequest.account_id == account_id,
        CallbackRequest.conversation_id == conversation_id,
    ).to_list()
    return sorted(found, key=lambda c: c.requested_at, reverse=True)


# --------------------------------------------------------------------------- figures


async def waiting_count(account_id: PydanticObjectId, team_id: str | None) -> int:
    """Callbacks of the team still to be made (waiting or re-queued): the wallboard's figure."""
    collection = CallbackRequest.get_pymongo_collection()
    total = 0
    for one in OPEN:  # equality on (account_id, team_id, status): the index serves each
        total += await collection.count_documents(
            {"account_id": account_id, "team_id": team_id, "status": one}
        )
    return total


async def average_wait_seconds(account_id: PydanticObjectId, team_id: str) -> float:
    """The average current wait of the team's waiting conversations (0 when none wait)."""
    cursor = Conversation.get_pymongo_collection().find(
        {
            "account_id": account_id,
            "team_id": team_id,
            "status": "open",
            "handler": "human",
            "assignee_id": None,
            "waiting_since": {"$ne": None},
        },
        {"waiting_since": 1},
    )
    at = now()
    waits = []
    async for doc in cursor:
        since = doc["waiting_since"]
        since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
        waits.append((at - since).total_seconds())
    return sum(waits) / len(waits) if waits else 0.0


async def offer_active(account: Account, team: Team) -> bool:
    """Whether the team offers callbacks now: enabled, inside the account-local offer
    hours, and the average current wait of its waiting conversations over the minutes."""
    settings = settings_of(team.callback)
    if not team.callback or not settings["enabled"] or not settings["windows"]:
        return False
    if not in_offer_hours(settings, now(), account_tz(account)):
        return False
    assert account.id is not None
    average = await average_wait_seconds(account.id, str(team.id))
    return average > settings["offer_when_wait_minutes"] * 60


# --------------------------------------------------------------------------- retention


async def purge_notes(account_id: PydanticObjectId, before: dt.datetime) -> int:
    """Clear the notes of attempts made before ``before`` (the retention of callback notes).

    The callbacks stay (their status and times are no personal text); each old attempt
    keeps its time, agent and outcome with an empty note, and ``last_note`` is cleared
    when the newest attempt is old. Returns how many callbacks changed.
    """
    changed = 0
    query = {"account_id": account_id, "attempts.at": {"$lt": before}}
    async for doc in CallbackRequest.get_pymongo_collection().find(query):
        attempts = doc.get("attempts") or []
        if not any(a["at"] < before and a.get("note") for a in attempts):
            continue
        for attempt in attempts:
            if attempt["at"] < before:
                attempt["note"] = ""
        fields: dict[str, Any] = {"attempts": attempts}
        if attempts and attempts[-1]["at"] < before:
            fields["last_note"] = ""
        await CallbackRequest.get_pymongo_collection().update_one(
            {"_id": doc["_id"], "account_id": account_id}, {"$set": fields}
        )
        changed += 1
    return changed
