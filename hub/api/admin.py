"""The account's own administration through the API: settings, channels, audit log.

``GET/PATCH /account`` (settings only: plan, seats and add-ons are read-only here),
``GET/PATCH /channels/{id}``, ``GET /audit_events`` (users are ``hub.api.users``). Every
change is an audit event whose actor is the API key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import zoneinfo
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import (
    MAX_JSON_BYTES,
    api_account,
    api_actor,
    client_ip,
    hub_of,
    json_body,
)
from hub.api.declare import Api, day, text
from hub.api.errors import ApiError
from hub.api.schemas import OneLine
from hub.assist import configure as configure_assist
from hub.models import Account, AuditEvent, Channel
from hub.models.account import AssistOut
from hub.tenants import accounts, audit, channels
from hub.tenants.account_settings import AccountPatch
from hub.tenants.shapes import account_json

READ_ONLY = ("plan", "seats", "addons", "seats_used")


api = Api(tag="account")


# --------------------------------------------------------------------------- shapes


class AccountOut(BaseModel):
    id: str
    name: str
    plan: Literal["HUB", "PRO"]
    seats: int
    seats_used: int
    addons: list[Literal["generic_api", "chatbot_api"]]
    timezone: str
    business_hours: dict[str, list[list[str]]] | None
    holidays: list[str]
    crm_url_template: str | None
    number_lookup: dict[str, Any] | None
    retention: dict[str, Any] | None
    csat: dict[str, Any] | None
    #: The model endpoint of assist; the key is never returned (``api_key_set``).
    assist: AssistOut | None
    created_at: dt.datetime


class ChannelDetailOut(BaseModel):
    id: str
    type: str
    name: str
    active: bool
    default_team_id: str | None
    webhook_url: str
    #: Non-secret settings; a stored secret reads ``(set)``.
    config: dict[str, Any]
    created_at: dt.datetime


class ChannelPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLine | None = Field(default=None, min_length=1, max_length=80)
    active: bool | None = None
    default_team_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{24}$")
    config: dict[str, Any] | None = None


class ActorOut(BaseModel):
    type: Literal["user", "api_key", "operator", "system"]
    id: str | None
    name: str


class AuditEventOut(BaseModel):
    id: str
    at: dt.datetime
    actor: ActorOut
    ip: str | None
    action: str
    target: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEvent) -> AuditEventOut:
        return cls(id=str(e.id), at=e.at, actor=ActorOut(**e.actor.model_dump()), ip=e.ip,
                   action=e.action, target=e.target, details=e.details)  # fmt: skip


def _channel_out(request: Request, channel: Channel) -> dict[str, Any]:
    return ChannelDetailOut(
        id=str(channel.id), type=channel.type, name=channel.name, active=channel.active,
        default_team_id=channel.default_team_id, webhook_url=hub_of(request).webhook_url(channel),
        config=channels.public_config(channel), created_at=channel.created_at,
    ).model_dump(mode="json")  # fmt: skip


async def _account_out(account: Account) -> dict[str, Any]:
    assert account.id is not None
    return dict(account_json(account, await accounts.seats_used(account.id)))


# --------------------------------------------------------------------------- routes


@api.get("/account", "get_account", "The account's settings and plan", response=AccountOut)
async def get_account(request: Request) -> JSONResponse:
    return JSONResponse(await _account_out(await api_account(request)))


@api.patch(
    "/account",
    "update_account",
    "Change settings (time zone, hours, holidays, CRM link, number look-up, retention, "
    "CSAT, assist); plan, seats and add-ons are read-only here",
    response=AccountOut,
    body=AccountPatch,
    errors=(413,),
)
async def patch_account(request: Request) -> JSONResponse:
    account = await api_account(request)
    raw = await request.body()
    named: set[str] = set()
    if len(raw) <= MAX_JSON_BYTES and raw.strip().startswith(b"{"):
        with contextlib.suppress(ValueError, RecursionError):  # json_body answers it
            named = set(json.loads(raw))
    fixed = sorted(named & set(READ_ONLY))
    if fixed:
        raise ApiError(400, "read_only", f"{', '.join(fixed)}: changed in /admin or with the "
                       "CLI, not through the API")  # fmt: skip
    patch = await json_body(request, AccountPatch)
    if "assist" in patch.model_fields_set:
        account = await configure_assist(
            hub_of(request), account, patch.assist, api_actor(request), client_ip(request)
        )
    updated = await accounts.update_settings(
        account, patch.changes(), api_actor(request), client_ip(request)
    )
    return JSONResponse(await _account_out(updated))


@api.get(
    "/channels/{id}",
    "get_channel",
    "One channel (secrets are never returned)",
    response=ChannelDetailOut,
    errors=(404,),
    tag="channels",
)
async def get_channel(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    channel = await channels.get_channel(account.id, request.path_params["id"])
    return JSONResponse(_channel_out(request, channel))


@api.patch(
    "/channels/{id}",
    "update_channel",
    "Rename, (de)activate, set the default team or change the config (validated by the "
    "connector; empty secrets keep the stored ones)",
    response=ChannelDetailOut,
    body=ChannelPatch,
    errors=(404, 413),
    tag="channels",
)
async def patch_channel(request: Request) -> JSONResponse:
    account = await api_account(request)
    patch = await json_body(request, ChannelPatch)
    assert account.id is not None
    channel = await channels.get_channel(account.id, request.path_params["id"])
    changes = patch.model_dump(exclude_unset=True)
    for name in ("name", "active"):
        if name in changes and changes[name] is None:
            raise ApiError(400, "invalid_request", f"{name}: may not be null")
    updated = await channels.update_channel(
        hub_of(request), account, channel, changes, api_actor(request), client_ip(request)
    )
    return JSONResponse(_channel_out(request, updated))


def _day(request: Request, name: str, tz: dt.tzinfo) -> dt.datetime | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "invalid_date", f"{name} must be a date YYYY-MM-DD") from None
    return dt.datetime.combine(day, dt.time(), tz)


@api.get(
    "/audit_events",
    "list_audit_events",
    "The audit log, newest first (days in the account's time zone, both inclusive)",
    response=AuditEventOut,
    paged=True,
    query=(day("from"), day("to"), text("actor_id"), text("action")),
    tag="audit_events",
)
async def list_audit_events(request: Request) -> JSONResponse:
    """Events from ``from`` to ``to`` (days in the account's time zone, both inclusive);
    without them the last 30 days."""
    account = await api_account(request)
    tz = zoneinfo.ZoneInfo(account.timezone) if account.timezone != "UTC" else dt.UTC
    start = _day(request, "from", tz)
    end = _day(request, "to", tz)
    end = (end + dt.timedelta(days=1)) if end else dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=31)
    if start >= end:
        raise ApiError(400, "invalid_date", "from must not be after to")
    params = request.query_params
    assert account.id is not None
    found = await audit.events_between(
        account.id,
        start,
        end,
        params.get("actor_id") or None,
        params.get("action") or None,
    )
    data = [AuditEventOut.of(e).model_dump(mode="json") for e in found]
    return JSONResponse({"data": data, "next_cursor": None})


routes = api.routes()
