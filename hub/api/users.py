"""Users through the API (``/api/v1/users``): list the account's users, add an agent seat.

Creating a user takes a seat, so the plan's seat limit answers here exactly as
in the CLI and the admin pages: ``hub.tenants.accounts.create_user`` applies it and the
API's error mapping turns ``SeatLimit`` into 402 ``seat_limit``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.context import answer, api_account, json_body
from hub.integrations.representations import Representation
from hub.models import User
from hub.tenants import accounts


class UserOut(Representation):
    id: str
    email: str
    name: str
    role: str
    active: bool
    created_at: dt.datetime


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=8, max_length=256)
    name: str = Field(default="", max_length=200)
    #: Admins are made by an operator (CLI or admin pages), not by an API key.
    role: Literal["agent", "supervisor"] = "agent"


async def list_users(request: Request) -> JSONResponse:
    account = await api_account(request)
    found = await User.find(User.account_id == account.id).sort("created_at").to_list()
    return JSONResponse(
        {"data": [UserOut.of(u).model_dump(mode="json") for u in found], "next_cursor": None}
    )


async def create_user(request: Request) -> JSONResponse:
    account = await api_account(request)
    body = await json_body(request, UserIn)
    user = await accounts.create_user(account, body.email, body.password, body.role, body.name)
    return answer(UserOut.of(user), 201)


routes = [
    Route("/users", list_users, methods=["GET"]),
    Route("/users", create_user, methods=["POST"]),
]
