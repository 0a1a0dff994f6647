"""SLA through the API (PRO): ``/sla_policies`` and ``/reports/sla``; on HUB 402 ``plan_required``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.context import api_account, json_body
from hub.api.declare import Api, choice, day
from hub.api.errors import ApiError
from hub.centre.sla import policies as sla_policies
from hub.centre.sla import report as sla_report
from hub.centre.sla.policies import AppliesToIn, PolicyIn
from hub.models import SlaPolicy

Kind = Literal["first_response", "next_response", "resolution"]
FORMATS = ("json", "csv")


api = Api(tag="sla_policies")


class PolicyOut(BaseModel):
    id: str
    name: str
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    business_hours_only: bool
    pause_when_pending: bool
    applies_to: AppliesToIn
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, p: SlaPolicy) -> PolicyOut:
        return cls(
            id=str(p.id),
            name=p.name,
            first_response_minutes=p.first_response_minutes,
            next_response_minutes=p.next_response_minutes,
            resolution_minutes=p.resolution_minutes,
            business_hours_only=p.business_hours_only,
            pause_when_pending=p.pause_when_pending,
            applies_to=AppliesToIn.model_validate(p.applies_to.model_dump()),
            created_at=p.created_at,
            updated_at=p.updated_at,
        )


class PolicyPatch(BaseModel):
    """Only the fields given change; ``applies_to`` is replaced as a whole."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours_only: bool | None = None
    pause_when_pending: bool | None = None
    applies_to: AppliesToIn | None = None


class SlaReportRow(BaseModel):
    policy_id: str
    policy_name: str
    kind: Kind
    met: int
    breached: int
    open_at_risk: int


class SlaReportOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    rows: list[SlaReportRow]


def _out(p: SlaPolicy) -> dict[str, object]:
    return PolicyOut.of(p).model_dump(mode="json")


@api.get(
    "/sla_policies",
    "list_sla_policies",
    "The account's SLA policies (PRO)",
    response=PolicyOut,
    paged=True,
    errors=(402,),
)
async def list_policies(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    found = await sla_policies.list_policies(account.id)
    return JSONResponse({"data": [_out(p) for p in found], "next_cursor": None})


@api.post(
    "/sla_policies",
    "create_sla_policy",
    "Create an SLA policy (PRO); bad minutes, ids or missing hours are 400 naming the field",
    status=201,
    response=PolicyOut,
    body=PolicyIn,
    errors=(402, 413),
)
async def create_policy(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    policy = await sla_policies.create_policy(account.id, await json_body(request, PolicyIn))
    return JSONResponse(_out(policy), status_code=201)


@api.get(
    "/sla_policies/{id}",
    "get_sla_policy",
    "One SLA policy (PRO)",
    response=PolicyOut,
    errors=(402, 404),
)
async def get_policy(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    return JSONResponse(_out(await sla_policies.get_policy(account.id, request.path_params["id"])))


@api.patch(
    "/sla_policies/{id}",
    "update_sla_policy",
    "Change an SLA policy (PRO); running clocks keep their due times",
    response=PolicyOut,
    body=PolicyPatch,
    errors=(402, 404, 413),
)
async def patch_policy(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    patch = await json_body(request, PolicyPatch)
    changes = patch.model_dump(exclude_unset=True)
    for field in ("name", "business_hours_only", "pause_when_pending", "applies_to"):
        if field in changes and changes[field] is None:
            raise ApiError(400, "invalid_sla_policy", f"{field}: may not be null")
    policy = await sla_policies.update_policy(account.id, request.path_params["id"], changes)
    return JSONResponse(_out(policy))


@api.delete(
    "/sla_policies/{id}",
    "delete_sla_policy",
    "Delete an SLA policy (PRO)",
    response=PolicyOut,
    errors=(402, 404),
)
async def delete_policy(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    policy = await sla_policies.delete_policy(account.id, request.path_params["id"])
    return JSONResponse(_out(policy))


@api.get(
    "/reports/sla",
    "get_reports_sla",
    "SLA met, breached and open at risk per policy and clock (PRO); format=csv for CSV",
    response=SlaReportOut,
    query=(day("from", required=True), day("to", required=True), choice("format", FORMATS)),
    errors=(402,),
    csv=True,
    tag="reports",
)
async def sla_report_view(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    fmt = request.query_params.get("format", "json")
    if fmt not in FORMATS:
        raise ApiError(400, "invalid_format", "format: json or csv")
    q = request.query_params
    result = await sla_report.report(account.id, q.get("from"), q.get("to"))
    if fmt == "csv":
        name = f"sla-{result['from']}-{result['to']}.csv"
        return Response(
            sla_report.as_csv(result),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return JSONResponse(SlaReportOut.model_validate(result).model_dump(mode="json", by_alias=True))


routes = api.routes()
