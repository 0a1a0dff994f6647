"""JSON shapes of accounts, users and API keys, shared by the CLI and the API."""

from __future__ import annotations

from typing import TypedDict

from hub.contract import JsonObject
from hub.models import Account, ApiKey, User


class AccountJson(TypedDict):
    id: str
    name: str
    plan: str
    seats: int
    seats_used: int
    addons: list[str]
    timezone: str
    business_hours: JsonObject | None
    holidays: list[str]
    crm_url_template: str | None
    number_lookup: JsonObject | None
    retention: JsonObject
    csat: JsonObject | None
    #: ``AssistOut``: the key only as ``api_key_set``.
    assist: JsonObject | None
    created_at: str


class UserJson(TypedDict):
    id: str
    email: str
    name: str
    role: str
    active: bool
    presence: str
    team_ids: list[str]
    capacity: int | None
    calendar_url: str | None
    language: str | None
    timezone: str | None
    created_at: str


class KeyJson(TypedDict):
    id: str
    name: str
    prefix: str
    revoked: bool
    created_at: str
    last_used_at: str | None


def account_json(account: Account, seats_used: int) -> AccountJson:
    return AccountJson(
        id=str(account.id),
        name=account.name,
        plan=account.plan,
        seats=account.seats,
        seats_used=seats_used,
        addons=sorted(account.addons),
        timezone=account.timezone,
        business_hours=account.business_hours,
        holidays=account.holidays,
        crm_url_template=account.crm_url_template,
        number_lookup=account.number_lookup.model_dump(mode="json")
        if account.number_lookup
        else None,
        retention=account.retention.model_dump(mode="json"),
        csat=account.csat.model_dump(mode="json") if account.csat else None,
        assist=account.assist.shown().model_dump(mode="json") if account.assist else None,
        created_at=account.created_at.isoformat(),
    )


def user_json(user: User) -> UserJson:
    return UserJson(
        id=str(user.id),
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        presence=user.presence,
        team_ids=user.team_ids,
        capacity=user.capacity,
        calendar_url=user.calendar_url,
        language=user.language,
        timezone=user.timezone,
        created_at=user.created_at.isoformat(),
    )


def key_json(key: ApiKey) -> KeyJson:
    """A key without its secret: only the visible prefix."""
    return KeyJson(
        id=str(key.id),
        name=key.name,
        prefix=key.prefix,
        revoked=key.revoked,
        created_at=key.created_at.isoformat(),
        last_used_at=key.last_used_at.isoformat() if key.last_used_at else None,
    )
