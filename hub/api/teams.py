"""Teams, the VIP list and the queues through the API (``/api/v1/teams``, ``/vip``, ``/queues``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import account_id_of, api_account, json_body, path_id
from hub.api.declare import Api
from hub.api.errors import ApiError
from hub.centre.reports import live
from hub.centre.routing import teams, vip
from hub.models import Team

api = Api(tag="teams")


class OverflowOut(BaseModel):
    after_minutes: int
    team_id: str


class TeamOut(BaseModel):
    id: str
    name: str
    member_ids: list[str]
    assignment: Literal["manual", "round_robin", "least_busy"]
    business_hours: dict[str, Any] | None
    out_of_office_text: str | None
    overflow: OverflowOut | None
    callback: dict[str, Any] | None

    @classmethod
    def of(cls, t: Team) -> TeamOut:
        return cls(
            id=str(t.id),
            name=t.name,
            member_ids=t.member_ids,
            assignment=t.assignment,
            business_hours=t.business_hours,
            out_of_office_text=t.out_of_office_text,
            overflow=OverflowOut(**t.overflow.model_dump()) if t.overflow else None,
            callback=t.callback,
        )


class VipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    addresses: list[str] = Field(max_length=vip.MAX_ADDRESSES)


class VipOut(BaseModel):
    addresses: list[str] = Field(description="E.164 phone numbers and lower-case emails")


#: A queue's figures: the one model of them (``hub.centre.reports.live.Queue``), the same
#: the inbox's queue view shows.
QueueOut = live.Queue


def _team(team: Team) -> JSONResponse:
    return JSONResponse(TeamOut.of(team).model_dump(mode="json"))


@api.get(
    "/teams",
    "list_teams",
    "The account's teams (each one a queue)",
    response=TeamOut,
    paged=True,
)
async def list_teams(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    found = await teams.list_teams(account_id)
    data = [TeamOut.of(t).model_dump(mode="json") for t in found]
    return JSONResponse({"data": data, "next_cursor": None})


@api.post(
    "/teams",
    "create_team",
    "Create a team with members and routing settings",
    status=201,
    response=TeamOut,
    body=teams.TeamIn,
    errors=(413,),
)
async def create_team(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    team = await teams.create_team(account_id, await json_body(request, teams.TeamIn))
    return JSONResponse(TeamOut.of(team).model_dump(mode="json"), status_code=201)


@api.get("/teams/{id}", "get_team", "One team", response=TeamOut, errors=(404,))
async def get_team(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    return _team(await teams.get_team(account_id, path_id(request)))


@api.patch(
    "/teams/{id}",
    "update_team",
    "Change a team's members or routing settings",
    response=TeamOut,
    body=teams.TeamPatch,
    errors=(404, 413),
)
async def patch_team(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    patch = await json_body(request, teams.TeamPatch)
    return _team(await teams.update_team(account_id, path_id(request), patch))


@api.delete(
    "/teams/{id}",
    "delete_team",
    "Remove a team; its conversations go to the queue without a team",
    response=TeamOut,
    errors=(404,),
)
async def delete_team(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    return _team(await teams.delete_team(account_id, path_id(request)))


@api.get("/vip", "get_vip", "The VIP list", response=VipOut, tag="vip")
async def get_vip(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    keys = await vip.addresses(account_id)
    return JSONResponse({"addresses": [vip.display(k) for k in keys]})


@api.put(
    "/vip",
    "replace_vip",
    "Replace the VIP list (E.164 phone numbers and email addresses)",
    response=VipOut,
    body=VipIn,
    errors=(413,),
    tag="vip",
)
async def put_vip(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    body = await json_body(request, VipIn)
    try:
        keys = await vip.replace(account_id, body.addresses)
    except vip.InvalidAddress as exc:
        raise ApiError(400, "invalid_address", str(exc)) from None
    return JSONResponse({"addresses": [vip.display(k) for k in keys]})


@api.get(
    "/queues",
    "list_queues",
    "Every queue: per team and one without a team, in queue order",
    response=QueueOut,
    paged=True,
    tag="queues",
)
async def list_queues(request: Request) -> JSONResponse:
    account = await api_account(request)
    rows = await live.snapshot(account, orders=request.app.state.queue_orders)
    data = [row.api().model_dump(mode="json") for row in rows]
    return JSONResponse({"data": data, "next_cursor": None})


routes = api.routes()
