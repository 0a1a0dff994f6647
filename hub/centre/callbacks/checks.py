"""What a callback request must be: its errors, and the checks of its number, team,
window, customer input and note. Nothing here writes; a refused request writes nothing."""

from __future__ import annotations

import datetime as dt

import phonenumbers
from beanie import PydanticObjectId

from hub.centre.callbacks.settings import is_team_window, settings_of
from hub.contract import now
from hub.models import Account, Team
from hub.models.callback import CallbackStatus
from hub.store import callbacks as store
from hub.store import teams as team_store
from hub.store.ids import try_id

OPEN = store.OPEN
STATUSES = tuple(CallbackStatus)
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
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


async def team_of(
    account_id: PydanticObjectId, team_id: str | PydanticObjectId | None
) -> Team | None:
    """The account's team ``team_id`` (None for none); ``InvalidCallback`` for another id."""
    if not team_id:
        return None
    key = try_id(team_id)
    team = await team_store.find_team(account_id, key) if key is not None else None
    if team is None:
        raise InvalidCallback(
            "unknown_team", "team_id: no team of this account has that id", "team_id"
        )
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


def check_input(text: str, message: str) -> str:
    """The customer's input, trimmed; ``InvalidCallback`` when it is too long."""
    if len(text) > MAX_INPUT:
        raise InvalidCallback("invalid_input", message, "customer_input")
    return text.strip()


def check_note(note: str | None) -> str:
    """An attempt's note: required, at most ``MAX_NOTE`` characters."""
    text = (note or "").strip()
    if not text:
        raise InvalidCallback("note_required", "note: write what happened on the call", "note")
    if len(text) > MAX_NOTE:
        raise InvalidCallback("invalid_note", f"note: at most {MAX_NOTE} characters", "note")
    return text
