"""Audit events and the usage ledger (every charge event: seats, activations, add-ons)."""

from __future__ import annotations

from typing import Any

from hub.models.base import TenantDocument


class AuditEvent(TenantDocument):
    actor: str
    action: str
    target: str | None = None
    details: dict[str, Any] = {}

    class Settings:
        name = "audit_events"
        indexes = [[("account_id", 1), ("created_at", -1)]]


class UsageEvent(TenantDocument):
    """One charge event, priced from the plan table at the time it happened."""

    kind: str  # "seats" | "channel_activation" | "addon"
    quantity: int = 1
    unit_price_eur: float = 0.0
    details: dict[str, Any] = {}

    class Settings:
        name = "usage_events"
        indexes = [[("account_id", 1), ("created_at", 1)]]
