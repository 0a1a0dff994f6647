"""The SLA clocks' stored state on a conversation (``Conversation.sla``), as a typed model.

Only the shape lives here; ``hub.centre.sla.state`` moves it (start, meet, pause, resume,
breach) and ``hub.store.sla`` reads and writes it. ``model_dump()`` gives the stored
shape exactly (the one the hub has always written), so existing data reads back as is.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

#: The SLA clocks a conversation may run.
SlaKind = Literal["first_response", "next_response", "resolution"]
SLA_KINDS: tuple[SlaKind, ...] = ("first_response", "next_response", "resolution")


class SlaTargets(BaseModel):
    """A policy's targets in minutes, copied onto the clocks when they start (None: no clock)."""

    model_config = ConfigDict(extra="allow")

    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None

    def of(self, kind: SlaKind) -> int | None:
        minutes: int | None = getattr(self, kind)
        return minutes


class SlaBreach(BaseModel):
    """A clock that passed its due time (``at``) before it was met."""

    model_config = ConfigDict(extra="allow")

    kind: SlaKind
    at: dt.datetime


class SlaClocks(BaseModel):
    """A conversation's three clocks: their policy, due and risk times, and what happened."""

    model_config = ConfigDict(extra="allow")

    policy_id: str | None = None
    policy_name: str = ""
    targets: SlaTargets = SlaTargets()
    business_hours_only: bool = False
    pause_when_pending: bool = False
    first_response_due_at: dt.datetime | None = None
    next_response_due_at: dt.datetime | None = None
    resolution_due_at: dt.datetime | None = None
    #: When each running clock reaches its risk share of the target.
    risk: dict[SlaKind, dt.datetime] = {}
    started: dict[SlaKind, dt.datetime] = {}
    #: Clocks met or ended in this cycle, with when.
    done: dict[SlaKind, dt.datetime] = {}
    #: Paused clocks with their remaining business seconds.
    paused: dict[SlaKind, float] = {}
    breaches: list[SlaBreach] = []
    #: ``kind:due`` of every breach recorded, so each is recorded once.
    breach_keys: list[str] = []
    replied: bool = False
    stopped: bool = False
    #: The version the optimistic write is conditioned on.
    v: int = 0

    def due(self, kind: SlaKind) -> dt.datetime | None:
        """The clock's due time (aware), None when it is not counting."""
        value: dt.datetime | None = getattr(self, f"{kind}_due_at")
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value

    def set_due(self, kind: SlaKind, at: dt.datetime | None) -> None:
        setattr(self, f"{kind}_due_at", at)

    def stored(self) -> dict[str, object]:
        """The stored shape (``Conversation.sla``)."""
        return self.model_dump()
