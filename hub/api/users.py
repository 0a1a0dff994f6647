"""Users through the API (``/api/v1/users``): the directory, one user, add a seat, change one.

Creating a user takes a seat, so the plan's seat limit answers here exactly as
in the CLI and the admin pages: ``hub.tenants.accounts.create_user`` applies it and the
API's error mapping turns ``SeatLimit`` into 402 ``seat_limit``. The routing fields of a
change (capacity, presence, calendar) are checked and stored by
``hub.centre.routing.agents.apply_routing_fields``, shared with the admin pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import api_account, api_actor, client_ip, json_body, path_id
from hub.api.declare import Api, text
from hub.api.errors import ApiError
from hub.api.schemas import OneLine
from hub.centre.routing import agents, availability
from hub.errors import InvalidInput, NotFound
from hub.models import Account, User
from hub.store import users as stored_users
from hub.tenants import accounts, users

api = Api(tag="users")


class AbsenceOut(BaseModel):
    reason: str
    until: dt.datetime


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: dt.datetime
    phone: str | None = None
    presence: Literal["available", "away", "offline"] = "offline"
    absence: AbsenceOut | None = None
    team_ids: list[str] = []
    capacity: int | None = None
    open_assigned: int = 0
    calendar_url: str | None = None
    calendar_show_title: bool = False
    calendar_error: str | None = None
    language: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, u: User, open_assigned: int = 0) -> UserOut:
        absence = agents.absence_out(u)
        return cls(
            id=str(u.id),
            email=u.email,
            name=u.name,
            role=u.role,
            active=u.active,
            created_at=u.created_at,
            phone=u.phone,
            presence=availability.shown_presence(u),
            absence=AbsenceOut(**absence) if absence else None,
            team_ids=u.team_ids,
            capacity=u.capacity,
            open_assigned=open_assigned,
            calendar_url=u.calendar_url,
            calendar_show_title=u.calendar_show_title,
            calendar_error=u.calendar_error,
            language=u.language,
            timezone=u.timezone,
        )


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=256)
    name: OneLine = Field(default="", max_length=200)
    #: Admins are made by an operator (CLI or admin pages), not by an API key.
    role: Literal["agent", "supervisor", "dashboard"] = "agent"


class UserPatch(BaseModel):
    """Every field DESIGN lists for ``PATCH /users/{id}``; absent ones stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: OneLine | None = Field(default=None, min_length=1, max_length=200)
    role: Literal["agent", "supervisor", "admin", "dashboard"] | None = None
    active: bool | None = None
    capacity: int | None = Field(default=None, ge=0, le=agents.MAX_CAPACITY)
    presence: Literal["available", "away", "offline"] | None = None
    calendar_url: str | None = Field(default=None, max_length=2000)
    calendar_show_title: bool | None = None
    team_ids: list[str] | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=32)
    language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)


async def _out(u: User) -> dict[str, Any]:
    assert u.id is not None
    load = await availability.load(u.account_id, u.id)
    return UserOut.of(u, load).model_dump(mode="json")


@api.get(
    "/users",
    "list_users",
    "The account's users (the colleague directory); search matches name, email, phone, team",
    response=UserOut,
    paged=True,
    query=(text("search"),),
)
async def list_users(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await agents.directory(account.id, request.query_params.get("search", ""))
    return JSONResponse({"data": [await _out(u) for u in found], "next_cursor": None})


@api.post(
    "/users",
    "create_user",
    "Add a user (agent or supervisor); takes a seat",
    status=201,
    response=UserOut,
    body=UserIn,
    errors=(400, 401, 402, 403, 409),
)
async def create_user(request: Request) -> JSONResponse:
    account = await api_account(request)
    body = await json_body(request, UserIn)
    user = await accounts.create_user(
        account, body.email, body.password, body.role, body.name,
        api_actor(request), client_ip(request),
    )  # fmt: skip
    return JSONResponse(await _out(user), status_code=201)


async def _user(account: Account, user_id: PydanticObjectId) -> User:
    assert account.id is not None
    found = await stored_users.user_in_account(account.id, user_id)
    if found is None:
        raise NotFound(str(user_id))
    return found


@api.get(
    "/users/{id}",
    "get_user",
    "One user with presence, absence, teams and open assigned conversations",
    response=UserOut,
    errors=(404,),
)
async def get_user(request: Request) -> JSONResponse:
    account = await api_account(request)
    return JSONResponse(await _out(await _user(account, path_id(request))))


def _profile(patch: UserPatch) -> dict[str, Any]:
    given = patch.model_fields_set
    for name in ("name", "role", "active"):
        if name in given and getattr(patch, name) is None:
            raise InvalidInput("invalid_request", f"{name} cannot be null")
    if patch.timezone:
        try:
            ZoneInfo(patch.timezone)
        except (KeyError, ValueError):
            raise InvalidInput("invalid_timezone", "timezone is not a known time zone") from None
    fields = ("name", "role", "active", "phone", "language", "timezone")
    return {k: getattr(patch, k) for k in fields if k in given}


@api.patch(
    "/users/{id}",
    "update_user",
    "Change a user: profile, role, active (deactivating ends their sessions; reactivating "
    "needs a free seat) and the routing fields",
    response=UserOut,
    body=UserPatch,
    errors=(402, 404, 409, 413),
)
async def patch_user(request: Request) -> JSONResponse:
    account = await api_account(request)
    user = await _user(account, path_id(request))
    patch = await json_body(request, UserPatch)
    profile = _profile(patch)
    if profile.get("role") == "admin":
        raise ApiError(400, "invalid_role", "admins are made in /admin or with the CLI")
    if user.role == "admin" and ({"role", "active"} & set(profile)):
        raise ApiError(403, "admin_only", "an admin's role and activation change in /admin")
    routing = agents.RoutingFields.model_validate(patch.model_dump(exclude_unset=True))
    if profile:  # the seat rule, ended sessions and the audit log: the tenants' one way
        user = await users.update_user(
            account, user, profile, api_actor(request), client_ip(request)
        )
    user = await agents.apply_routing_fields(user, routing, actor={"type": "api_key", "id": None})
    assert user.id is not None
    return JSONResponse(await _out(await _user(account, user.id)))


routes = api.routes()
