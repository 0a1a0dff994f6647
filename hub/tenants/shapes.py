"""JSON shapes of accounts, users and API keys, shared by the CLI and the API."""

from __future__ import annotations

from typing import Any

from hub.models import Account, ApiKey, User


def account_json(account: Account, seats_used: int) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "name": account.name,
        "plan": account.plan,
        "seats": account.seats,
        "seats_used": seats_used,
        "addons": sorted(account.addons),
        "timezone": account.timezone,
        "business_hours": account.business_hours,
        "holidays": account.holidays,
        "crm_url_template": account.crm_url_template,
        "number_lookup": account.number_lookup,
        "retention": account.retention.model_dump(),
        "csat": account.csat,
        "created_at": account.created_at.isoformat(),
    }


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "presence": user.presence,
        "team_ids": user.team_ids,
        "capacity": user.capacity,
        "calendar_url": user.calendar_url,
        "language": user.language,
        "timezone": user.timezone,
        "created_at": user.created_at.isoformat(),
    }


def key_json(key: ApiKey) -> dict[str, Any]:
    """A key without its secret: only the visible prefix."""
    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.prefix,
        "revoked": key.revoked,
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
    }
