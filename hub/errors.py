"""The hub's typed errors: what went wrong, in words a caller can act on, with no HTTP in them.

The core (pipeline, store, tenants, centre, integrations) raises these; each
view maps them to an answer in one place: the API in ``hub.api.errors`` (JSON
``{"error": {"code", "message"}}``), the pages in ``hub.web.guard`` (a readable
page or an htmx alert). The status each kind answers with is chosen there, by
kind, never here.

Every error has a stable ``code`` (the API's ``error.code``) and a ``message``
for people. ``InvalidInput`` names the ``field`` that was refused.
"""

from __future__ import annotations

from typing import ClassVar

from hub.contract import OutsideReplyWindow as _ConnectorOutsideReplyWindow


class HubError(Exception):
    """Base of the hub's typed errors. ``code`` is stable; ``message`` is for people."""

    code: str = "error"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Fixed(HubError):
    """An error whose code is its kind: raised with the message only."""

    default_code: ClassVar[str] = "error"
    default_message: ClassVar[str] = ""

    def __init__(self, message: str = "") -> None:
        text = message or self.default_message or self.default_code.replace("_", " ")
        super().__init__(self.default_code, text)


class NotFound(_Fixed, LookupError):
    """No such thing in this account (another account's ids are not found either)."""

    default_code = "not_found"
    default_message = "no such resource in this account"

    def __init__(self, what: str = "") -> None:
        super().__init__()
        #: What was looked for (an id), for logs; never shown: ids of others are not confirmed.
        self.what = what


class InvalidInput(HubError, ValueError):
    """The input is refused as given; ``field`` names the part (``None``: the whole)."""

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(code, message)
        self.field = field


class Conflict(HubError):
    """The request clashes with the current state (taken, already done, changed meanwhile)."""


class Refused(HubError):
    """Understood and valid, but the rules refuse it now (a channel's limits, a hand-over)."""


class ContactExists(_Fixed, Conflict):
    """Another contact of the account has this address."""

    default_code = "contact_exists"
    default_message = "another contact of this account has that address"


class IdempotencyConflict(_Fixed, Conflict):
    """An ``Idempotency-Key`` reused with another body."""

    default_code = "idempotency_conflict"


class ChannelInactive(_Fixed, Conflict):
    """The channel was removed or deactivated."""

    default_code = "channel_inactive"


class OutsideReplyWindow(_Fixed, Refused, _ConnectorOutsideReplyWindow):
    """Free text outside the channel's reply window (WhatsApp's 24 hours): send a template."""

    default_code = "outside_reply_window"


class UnknownSender(_Fixed, Refused):
    """A ``from`` that is not one of the channel's senders."""

    default_code = "unknown_sender"


class PlanError(HubError):
    """A rule of the plan table refused an action."""


class SeatLimit(_Fixed, PlanError):
    """Every seat of the account is taken."""

    default_code = "seat_limit"


class PlanRequired(_Fixed, PlanError):
    """The feature needs another plan (SLA policies need PRO)."""

    default_code = "plan_required"


class AddonRequired(_Fixed, PlanError):
    """The feature needs an add-on the account does not have."""

    default_code = "addon_required"


class UnknownPlan(_Fixed, PlanError, InvalidInput):
    """A plan or add-on name the table does not know."""

    default_code = "unknown_plan"

    def __init__(self, message: str = "") -> None:
        _Fixed.__init__(self, message)
        self.field = "plan"
