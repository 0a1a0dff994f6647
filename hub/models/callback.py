"""Callback requests: a customer asked to be called back in a window instead of waiting.

Retention: every attempt keeps its own ``at``, so a purge clears the ``note`` of each
attempt older than the account's ``retention.callback_notes_days`` (and ``last_note``
with the newest one) without touching the callback itself; see
``hub.centre.callbacks.lifecycle.purge_notes``.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import pymongo
from beanie import PydanticObjectId
from pydantic import BaseModel, Field

from hub.contract import now
from hub.models.base import TenantDocument


class CallbackStatus(StrEnum):
    """Where a callback is (``hub.centre.callbacks.lifecycle`` moves it): ``waiting`` and
    ``requeued`` are open; ``done`` and ``cancelled`` are closed."""

    WAITING = "waiting"
    REQUEUED = "requeued"
    DONE = "done"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """How one call ended: ``reached`` ends the callback, ``no_answer`` re-queues it."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"


class CallbackAttempt(BaseModel):
    """One call an agent made, with its outcome and the note they wrote."""

    at: dt.datetime
    by: str  # the user id
    by_name: str = ""
    outcome: Outcome
    note: str


class CallbackRequest(TenantDocument):
    contact_id: PydanticObjectId | None = None
    #: E.164 number to call.
    phone: str
    team_id: str | None = None
    #: The conversation it was asked from (widget, SMS offer), if any.
    conversation_id: PydanticObjectId | None = None
    channel_id: str | None = None
    #: ``widget``, ``offer`` (answer to an SMS/WhatsApp/RCS offer) or ``api``.
    source: str = "api"
    requested_at: dt.datetime = Field(default_factory=now)
    window_from: dt.datetime
    window_until: dt.datetime
    #: What the customer typed or keyed in (a customer number, a note).
    customer_input: str = ""
    #: The agent calling now, or the last one who tried.
    handler_id: str | None = None
    handler_name: str = ""
    #: When the handler pressed "I'm calling now"; cleared by their attempt.
    calling_since: dt.datetime | None = None
    status: CallbackStatus = CallbackStatus.WAITING
    #: A re-queued callback is shown as due again from this time (the team's pause).
    due_at: dt.datetime | None = None
    attempts: list[CallbackAttempt] = []
    last_note: str = ""
    updated_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "callback_requests"
        indexes = [
            # The list: equality on status, a bounded range on requested_at.
            [("account_id", 1), ("status", 1), ("requested_at", -1)],
            # Waiting per team (the wallboard, the queues).
            [("account_id", 1), ("team_id", 1), ("status", 1)],
            # The contact's timeline and the conversation's panel.
            [("account_id", 1), ("contact_id", 1)],
            [("account_id", 1), ("conversation_id", 1)],
            # The retention purge: callbacks with attempts older than a date.
            [("account_id", 1), ("attempts.at", 1)],
        ]


class CallbackOffer(TenantDocument):
    """That a conversation was offered a callback: the unique key makes it once only."""

    conversation_id: PydanticObjectId
    team_id: str | None = None
    #: The window starts offered, in the order of the numbered choices.
    windows: list[list[dt.datetime]] = []
    #: Set by the first answer: a second answer creates nothing.
    answered_at: dt.datetime | None = None

    class Settings:
        name = "callback_offers"
        indexes = [
            pymongo.IndexModel([("account_id", 1), ("conversation_id", 1)], unique=True),
        ]
