"""Audit events (who changed what, from where) and the usage ledger (every charge event)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from hub.contract import now
from hub.models.base import TenantDocument

ActorType = Literal["user", "api_key", "operator", "system"]


class Actor(BaseModel):
    """Who did it: a signed-in user, an API key, the operator's CLI, or the hub itself."""

    type: ActorType
    id: str | None = None
    name: str = ""


class AuditEvent(TenantDocument):
    at: dt.datetime = Field(default_factory=now)
    actor: Actor
    ip: str | None = None
    #: Dotted verb, e.g. ``user.created``, ``account.updated``, ``session.signed_in``.
    action: str
    #: What it was done to: ``"<kind>:<id>"`` (``user:65f…``) or None.
    target: str | None = None
    #: Never holds secrets: changed field names and non-secret values only.
    details: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _older_shape(cls, data: Any) -> Any:
        """Events written before actors were recorded: ``actor`` a string, no ``at``."""
        if isinstance(data, dict):
            if isinstance(data.get("actor"), str):
                data = {**data, "actor": {"type": "system", "id": None, "name": data["actor"]}}
            if "at" not in data and data.get("created_at") is not None:
                data = {**data, "at": data["created_at"]}
        return data

    class Settings:
        name = "audit_events"
        indexes = [
            [("account_id", 1), ("at", 1)],
            [("account_id", 1), ("actor.id", 1), ("at", 1)],
            [("account_id", 1), ("action", 1), ("at", 1)],
        ]


class UsageEvent(TenantDocument):
    """One charge event on the ledger; a month's statement is computed from these.

    ``kind``: ``account_activation``, ``channel_activation``, ``api_activation`` (one-off,
    priced in ``unit_price_eur``) or ``subscription`` (the plan, seats and add-ons in force
    from ``at``, in ``details``; priced from the plan table when a statement is made).
    """

    kind: str
    at: dt.datetime = Field(default_factory=now)
    quantity: int = 1
    unit_price_eur: float = 0.0
    details: dict[str, Any] = {}

    class Settings:
        name = "usage_events"
        indexes = [[("account_id", 1), ("at", 1)], [("account_id", 1), ("kind", 1), ("at", 1)]]
