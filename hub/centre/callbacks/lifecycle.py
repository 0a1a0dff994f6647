"""A callback's life: the one module that moves its status (``CallbackStatus``).

States: ``waiting`` → (an agent presses "I'm calling now": ``handler_id`` and
``calling_since`` are set, atomically, so a second agent is refused with who is
calling) → an attempt with a required note: ``reached`` ends it ``done``,
``no_answer`` puts it ``requeued``, due again after the team's
``requeue_after_minutes`` → … → ``done``. ``cancelled`` (or ``waiting`` again) by a
PATCH. Every attempt is recorded as a ``callback_attempt`` activity (with
``callback_reached`` counted), so the agent report can show attempts and reach rate
without reading callbacks.

Used by the API, the inbox's list page, the widget and the offer on phone channels
(``hub.centre.callbacks.offer``). The checks are ``hub.centre.callbacks.checks``, the
list ``hub.centre.callbacks.listing``, the figures ``hub.centre.callbacks.figures``;
their names are here too, for the callers that know this module as "callbacks".
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.centre.callbacks.checks import (
    MAX_INPUT,
    MAX_NOTE,
    OPEN,
    STATUSES,
    AlreadyCalling,
    CallbackClosed,
    CallbackError,
    InvalidCallback,
    account_tz,
    check_input,
    check_note,
    check_window,
    normalize_phone,
    team_of,
)
from hub.centre.callbacks.figures import (
    average_wait_seconds,
    offer_active,
    purge_notes,
    waiting_count,
)
from hub.centre.callbacks.listing import (
    HISTORY_DAYS,
    SORTS,
    STATUS_FILTERS,
    for_contact,
    for_conversation,
    list_callbacks,
    names_of_teams,
)
from hub.centre.callbacks.settings import settings_of
from hub.contract import Address, now
from hub.errors import NotFound
from hub.facts import activity
from hub.models import Account, CallbackAttempt, CallbackRequest
from hub.models.callback import CallbackStatus, Outcome
from hub.store import callbacks as store
from hub.store import teams as team_store
from hub.store.callbacks import CallbackChanges
from hub.store.contacts import find_or_create_contact
from hub.store.ids import parse_id, try_id

__all__ = [
    "HISTORY_DAYS",
    "MAX_INPUT",
    "MAX_NOTE",
    "OPEN",
    "SORTS",
    "STATUSES",
    "STATUS_FILTERS",
    "AlreadyCalling",
    "CallbackClosed",
    "CallbackError",
    "CallbackStatus",
    "CallbackUpdate",
    "InvalidCallback",
    "NotFound",
    "Outcome",
    "WindowIn",
    "account_tz",
    "average_wait_seconds",
    "check_window",
    "create",
    "for_contact",
    "for_conversation",
    "get",
    "list_callbacks",
    "log_attempt",
    "names_of_teams",
    "normalize_phone",
    "offer_active",
    "purge_notes",
    "release",
    "start_call",
    "team_of",
    "update",
    "waiting_count",
]

#: The statuses a PATCH may set: cancel, or put back to waiting.
SETTABLE = (CallbackStatus.WAITING, CallbackStatus.CANCELLED)


class WindowIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: dt.datetime = Field(alias="from")
    until: dt.datetime


class CallbackUpdate(BaseModel):
    """A PATCH of a callback: only the fields given change (``model_fields_set``)."""

    status: str | None = None
    phone: str | None = None
    team_id: str | None = None
    window: WindowIn | None = None
    customer_input: str | None = None


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
    text = check_input(customer_input, f"customer_input: at most {MAX_INPUT} characters")
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
        customer_input=text,
    )
    return await store.insert_callback(callback)


async def get(account_id: PydanticObjectId, callback_id: str | PydanticObjectId) -> CallbackRequest:
    found = await store.get_callback(account_id, parse_id(callback_id))
    if found is None:
        raise NotFound()
    return found


def _found(callback: CallbackRequest | None) -> CallbackRequest:
    if callback is None:
        raise NotFound()
    return callback


async def _refusal(account_id: PydanticObjectId, callback_id: PydanticObjectId) -> CallbackError:
    """Why an atomic change did not apply: closed, or someone else is calling."""
    current = await get(account_id, callback_id)
    if current.status not in OPEN:
        return CallbackClosed("callback_closed", f"this callback is {current.status}")
    return AlreadyCalling(current.handler_id, current.handler_name)


async def start_call(
    account_id: PydanticObjectId, callback_id: str | PydanticObjectId, by_id: str, by_name: str
) -> CallbackRequest:
    """ "I'm calling now": mark ``by_id`` the handler, once; another agent gets ``AlreadyCalling``."""
    key = parse_id(callback_id)
    claimed = await store.claim_call(account_id, key, by_id, by_name, now())
    if claimed is None:
        raise await _refusal(account_id, key)
    return claimed


async def release(
    account_id: PydanticObjectId, callback_id: str | PydanticObjectId, by_id: str | None
) -> CallbackRequest:
    """Stop calling without an attempt: the handler ``by_id`` (or, with None, whoever calls:
    a supervisor freeing a callback someone left)."""
    key = parse_id(callback_id)
    released = await store.release_call(account_id, key, by_id, now())
    return released if released is not None else await get(account_id, key)


async def log_attempt(
    account: Account,
    callback_id: str | PydanticObjectId,
    by_id: str,
    by_name: str,
    outcome: str,
    note: str | None,
) -> CallbackRequest:
    """One call's outcome with its required note: ``reached`` → done, ``no_answer`` → requeued."""
    assert account.id is not None
    text = check_note(note)
    if outcome not in tuple(Outcome):
        raise InvalidCallback("invalid_outcome", "outcome: reached or no_answer", "outcome")
    result = Outcome(outcome)
    key = parse_id(callback_id)
    current = await get(account.id, key)
    team_key = try_id(current.team_id) if current.team_id else None
    team = await team_store.find_team(account.id, team_key) if team_key is not None else None
    pause = settings_of(team.callback if team else None)["requeue_after_minutes"]
    at = now()
    attempt = CallbackAttempt(at=at, by=by_id, by_name=by_name, outcome=result, note=text)
    reached = result is Outcome.REACHED
    moved = await store.record_attempt(
        account.id,
        key,
        attempt,
        CallbackStatus.DONE if reached else CallbackStatus.REQUEUED,
        None if reached else at + dt.timedelta(minutes=pause),
    )
    if moved is None:
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
        data={"callback_id": str(key), "outcome": result.value},
        amounts={"callback_reached": 1 if reached else 0},
    )
    return moved


async def update(
    account: Account, callback_id: str | PydanticObjectId, changes: CallbackUpdate
) -> CallbackRequest:
    """A PATCH: ``status`` (waiting/cancelled), ``customer_input``, ``phone``, ``team_id``,
    or ``window``. The handler changes through ``start_call``/``release``."""
    assert account.id is not None
    current = await get(account.id, callback_id)
    given = changes.model_fields_set
    fields = CallbackChanges()
    if "phone" in given:
        fields.phone = normalize_phone(str(changes.phone or ""))
    team = await team_of(account.id, current.team_id) if current.team_id else None
    if "team_id" in given:
        team = await team_of(account.id, changes.team_id)
        fields.team_id = str(team.id) if team else None
    if "window" in given and changes.window is not None:
        check_window(account, team, changes.window.from_, changes.window.until)
        fields.window_from, fields.window_until = changes.window.from_, changes.window.until
    if "customer_input" in given:
        text = str(changes.customer_input or "").strip()
        fields.customer_input = check_input(text, f"customer_input: at most {MAX_INPUT}")
    if "status" in given:
        if changes.status not in SETTABLE:
            raise InvalidCallback("invalid_status", "status: waiting or cancelled", "status")
        status = CallbackStatus(changes.status)
        fields.status = status
        fields.calling_since = None
        if status is CallbackStatus.WAITING:
            fields.due_at = None
    if not fields.model_fields_set:
        return current
    fields.updated_at = now()
    assert current.id is not None
    return _found(await store.change_callback(account.id, current.id, fields))
