"""The OpenAPI 3.1 document of the generic API, built from the route table and the schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import __version__
from hub.api import admin, callbacks, schemas, sla, teams, users
from hub.api.routes import CONVERSATION_STATUSES
from hub.centre.callbacks import lifecycle as callback_rules
from hub.centre.reports import figures as reports
from hub.centre.routing import teams as centre_teams
from hub.centre.sla.policies import PolicyIn
from hub.integrations.representations import CallbackOut
from hub.tenants.account_settings import AccountPatch


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    status: int = 200
    response: type[BaseModel] | None = None
    paged: bool = False
    body: type[BaseModel] | None = None
    query: tuple[str, ...] = ()
    #: Statuses beyond ``COMMON_ERRORS`` this operation may answer.
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = field(default=())
    #: The generated clients' method name; derived from the method and path when empty.
    operation_id: str = ""
    #: The group of the operation; its first path segment when empty.
    tag: str = ""
    #: Schemas of this operation's query parameters (enums), beside ``QUERY_SCHEMAS``.
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Also answers ``text/csv`` (with ``?format=csv``).
    csv: bool = False

    @property
    def group(self) -> str:
        """The resource the operation belongs to, for grouping in generated clients."""
        if self.tag:
            return self.tag
        first = self.path.strip("/").split("/")[0]
        return "chatbot" if first == "bot" else first

    @property
    def id(self) -> str:
        if self.operation_id:
            return self.operation_id
        verb = {"post": "create", "patch": "update", "put": "replace", "delete": "delete"}.get(
            self.method, "list" if self.paged else "get"
        )
        segments = self.path.strip("/").split("/")
        parts = []
        for i, part in enumerate(segments):
            if part == ID:
                continue
            last = i == len(segments) - 1
            one = (i + 1 < len(segments) and segments[i + 1] == ID) or (last and verb == "create")
            parts.append(_singular(part) if one else part)
        return "_".join([verb, *parts])


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


ID = "{id}"
PAGE = ("limit", "cursor")
IDEMPOTENT = ("Idempotency-Key",)
#: Every operation may answer these: bad input, no key, missing add-on, rate limit.
COMMON_ERRORS = (400, 401, 403, 429)
BOT = "Chatbot API (bot token): "
CALLBACK_OPERATIONS: list[Operation] = [
    Operation(
        "get",
        "/callbacks",
        "The callback list, sorted by one column (open callbacks unless status says otherwise)",
        response=CallbackOut,
        paged=True,
        query=("status", "team_id", "sort", "order", *PAGE),
        params={
            "status": {"type": "string", "enum": list(callback_rules.STATUS_FILTERS)},
            "sort": {"type": "string", "enum": list(callback_rules.SORTS)},
            "order": {"type": "string", "enum": ["asc", "desc"]},
            "team_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"},
        },
    ),
    Operation(
        "post",
        "/callbacks",
        "Ask for a callback (e.g. from a phone system's IVR)",
        status=201,
        response=CallbackOut,
        body=callbacks.CallbackIn,
        errors=(413,),
    ),
    Operation(
        "get",
        f"/callbacks/{ID}",
        "One callback with its attempts",
        response=CallbackOut,
        errors=(404,),
    ),
    Operation(
        "patch",
        f"/callbacks/{ID}",
        "Change or cancel a callback; handler_id marks who is calling now (409 if another is)",
        response=CallbackOut,
        body=callbacks.CallbackPatch,
        errors=(404, 409, 413),
    ),
    Operation(
        "post",
        f"/callbacks/{ID}/attempts",
        "Log a call: reached ends it done, no_answer re-queues it; a note is required",
        status=201,
        response=CallbackOut,
        body=callbacks.AttemptIn,
        errors=(404, 409, 413),
        operation_id="log_callback_attempt",
    ),
]
OPERATIONS: list[Operation] = [
    # channels, conversations, messages
    Operation(
        "get",
        "/channels",
        "The account's channels",
        response=schemas.ChannelOut,
        paged=True,
        query=PAGE,
    ),
    Operation(
        "get",
        "/conversations",
        "Conversations, newest activity first",
        response=schemas.ConversationOut,
        paged=True,
        query=("status", "channel_id", "contact_id", "assignee_id", *PAGE),
    ),
    Operation(
        "get",
        f"/conversations/{ID}",
        "One conversation",
        response=schemas.ConversationOut,
        errors=(404,),
    ),
    Operation(
        "patch",
        f"/conversations/{ID}",
        "Change status, assignee, team, labels or priority",
        response=schemas.ConversationOut,
        body=schemas.ConversationPatch,
        errors=(404,),
    ),
    Operation(
        "get",
        f"/conversations/{ID}/messages",
        "A conversation's messages, oldest first",
        response=schemas.MessageOut,
        paged=True,
        query=PAGE,
        errors=(404,),
    ),
    Operation(
        "post",
        f"/conversations/{ID}/messages",
        "Reply (queued for sending) or add a note",
        status=202,
        response=schemas.MessageOut,
        body=schemas.ReplyIn,
        errors=(404, 409, 413, 422),
        headers=IDEMPOTENT,
    ),
    Operation(
        "post",
        "/messages",
        "Start or continue a conversation from the business side (a template outside a reply window)",
        status=202,
        response=schemas.MessageOut,
        body=schemas.SendIn,
        errors=(404, 409, 413, 422),
        headers=IDEMPOTENT,
    ),
    Operation(
        "get",
        f"/messages/{ID}",
        "One message with its delivery state and error",
        response=schemas.MessageOut,
        errors=(404,),
    ),
    # contacts
    Operation(
        "get",
        "/contacts",
        "Contacts, newest first; search matches name, email, phone or address",
        response=schemas.ContactOut,
        paged=True,
        query=("search", *PAGE),
    ),
    Operation(
        "post",
        "/contacts",
        "Create a contact (an email or a phone number is needed)",
        status=201,
        response=schemas.ContactOut,
        body=schemas.ContactIn,
        errors=(409, 413),
        headers=IDEMPOTENT,
    ),
    Operation("get", f"/contacts/{ID}", "One contact", response=schemas.ContactOut, errors=(404,)),
    Operation(
        "patch",
        f"/contacts/{ID}",
        "Change name, VIP flag or attributes; add an email or phone",
        response=schemas.ContactOut,
        body=schemas.ContactPatch,
        errors=(404, 409, 413),
    ),
    Operation(
        "delete",
        f"/contacts/{ID}",
        "Erase the contact with its conversations, messages and attachments",
        response=schemas.ErasedOut,
        errors=(404,),
    ),
    Operation(
        "get",
        f"/contacts/{ID}/export",
        "Everything stored about the contact, as JSON",
        response=schemas.ContactExport,
        errors=(404,),
    ),
    # outbound webhooks
    Operation(
        "get",
        "/webhooks",
        "The account's event subscriptions",
        response=schemas.WebhookOut,
        paged=True,
        query=PAGE,
    ),
    Operation(
        "post",
        "/webhooks",
        "Subscribe a URL to events; the answer holds the signing secret (shown once)",
        status=201,
        response=schemas.WebhookCreated,
        body=schemas.WebhookIn,
        errors=(409, 413),
        headers=IDEMPOTENT,
    ),
    Operation(
        "get", f"/webhooks/{ID}", "One subscription", response=schemas.WebhookOut, errors=(404,)
    ),
    Operation(
        "delete",
        f"/webhooks/{ID}",
        "Remove a subscription",
        response=schemas.WebhookOut,
        errors=(404,),
    ),
    Operation(
        "get",
        f"/webhooks/{ID}/deliveries",
        "The subscription's deliveries, newest first, with every attempt",
        response=schemas.DeliveryOut,
        paged=True,
        query=("status", *PAGE),
        errors=(404,),
    ),
    # chatbot API: registration (API key)
    Operation(
        "get", "/bots", "The account's bots", response=schemas.BotOut, paged=True, query=PAGE
    ),
    Operation(
        "post",
        "/bots",
        "Register a bot on channels; the answer holds its token and secret (shown once)",
        status=201,
        response=schemas.BotCreated,
        body=schemas.BotIn,
        errors=(404, 409, 413),
        headers=IDEMPOTENT,
    ),
    Operation("get", f"/bots/{ID}", "One bot", response=schemas.BotOut, errors=(404,)),
    Operation(
        "delete",
        f"/bots/{ID}",
        "Remove a bot; its running conversations go to humans",
        response=schemas.BotOut,
        errors=(404,),
    ),
    # chatbot API: the bot's own routes (bot token)
    Operation(
        "get",
        f"/bot/conversations/{ID}",
        BOT + "one of the bot's conversations",
        response=schemas.ConversationOut,
        errors=(404,),
    ),
    Operation(
        "post",
        f"/bot/conversations/{ID}/messages",
        BOT + "answer, with optional quick replies",
        status=202,
        response=schemas.MessageOut,
        body=schemas.BotReplyIn,
        errors=(404, 409, 413, 422),
        headers=IDEMPOTENT,
    ),
    Operation(
        "post",
        f"/bot/conversations/{ID}/handoff",
        BOT + "hand the conversation to humans, with an optional note and team",
        response=schemas.ConversationOut,
        body=schemas.HandoffIn,
        errors=(404, 409, 413),
        headers=IDEMPOTENT,
    ),
    Operation(
        "get",
        "/users",
        "The account's users (the colleague directory); search matches name, email, phone, team",
        response=users.UserOut,
        paged=True,
        query=("search",),
    ),
    Operation(
        "get",
        f"/users/{ID}",
        "One user with presence, absence, teams and open assigned conversations",
        response=users.UserOut,
        errors=(404,),
    ),
    Operation(
        "patch",
        f"/users/{ID}",
        "Change a user: profile, role, active (deactivating ends their sessions; reactivating "
        "needs a free seat) and the routing fields",
        response=users.UserOut,
        body=users.UserPatch,
        errors=(402, 404, 409, 413),
    ),
    # the contact centre
    Operation(
        "get",
        "/teams",
        "The account's teams (each one a queue)",
        response=teams.TeamOut,
        paged=True,
    ),
    Operation(
        "post",
        "/teams",
        "Create a team with members and routing settings",
        status=201,
        response=teams.TeamOut,
        body=centre_teams.TeamIn,
        errors=(413,),
    ),
    Operation(
        "get",
        f"/teams/{ID}",
        "One team",
        response=teams.TeamOut,
        errors=(404,),
    ),
    Operation(
        "patch",
        f"/teams/{ID}",
        "Change a team's members or routing settings",
        response=teams.TeamOut,
        body=centre_teams.TeamPatch,
        errors=(404, 413),
    ),
    Operation(
        "delete",
        f"/teams/{ID}",
        "Remove a team; its conversations go to the queue without a team",
        response=teams.TeamOut,
        errors=(404,),
    ),
    Operation(
        "get",
        "/vip",
        "The VIP list",
        response=teams.VipOut,
    ),
    Operation(
        "put",
        "/vip",
        "Replace the VIP list (E.164 phone numbers and email addresses)",
        response=teams.VipOut,
        body=teams.VipIn,
        errors=(413,),
    ),
    Operation(
        "get",
        "/queues",
        "Every queue: per team and one without a team, in queue order",
        response=teams.QueueOut,
        paged=True,
    ),
    # SLA (PRO): 402 plan_required on HUB
    Operation(
        "get",
        "/sla_policies",
        "The account's SLA policies (PRO)",
        response=sla.PolicyOut,
        paged=True,
        errors=(402,),
    ),
    Operation(
        "post",
        "/sla_policies",
        "Create an SLA policy (PRO); bad minutes, ids or missing hours are 400 naming the field",
        status=201,
        response=sla.PolicyOut,
        body=PolicyIn,
        errors=(402, 413),
    ),
    Operation(
        "get",
        f"/sla_policies/{ID}",
        "One SLA policy (PRO)",
        response=sla.PolicyOut,
        errors=(402, 404),
    ),
    Operation(
        "patch",
        f"/sla_policies/{ID}",
        "Change an SLA policy (PRO); running clocks keep their due times",
        response=sla.PolicyOut,
        body=sla.PolicyPatch,
        errors=(402, 404, 413),
    ),
    Operation(
        "delete",
        f"/sla_policies/{ID}",
        "Delete an SLA policy (PRO)",
        response=sla.PolicyOut,
        errors=(402, 404),
    ),
    Operation(
        "get",
        "/reports/sla",
        "SLA met, breached and open at risk per policy and clock (PRO); format=csv for CSV",
        response=sla.SlaReportOut,
        query=("from", "to", "format"),
        errors=(402,),
        csv=True,
    ),
    Operation(
        "post",
        "/users",
        "Add a user (agent or supervisor); takes a seat",
        status=201,
        response=users.UserOut,
        body=users.UserIn,
        errors=(400, 401, 402, 403, 409),
    ),
    *CALLBACK_OPERATIONS,
]

REPORT_QUERY = ("from", "to", "team_id", "channel_id", "format")
OPERATIONS += [
    Operation(
        "get",
        "/reports/agents",
        "Per agent in a period: assigned, handled, answer rate, first response, handle time, "
        "transfers out, outgoing messages",
        response=reports.AgentRow,
        paged=True,
        query=REPORT_QUERY,
        operation_id="report_agents",
        tag="reports",
        csv=True,
    ),
    Operation(
        "get",
        "/reports/conversations",
        "One row per conversation opened in a period (JSON, or CSV with format=csv)",
        response=reports.ConversationRow,
        paged=True,
        query=REPORT_QUERY,
        operation_id="report_conversations",
        tag="reports",
        csv=True,
    ),
    Operation(
        "get",
        "/reports/summary",
        "A time series per hour or day: opened, resolved, answered, median first response",
        response=reports.SummaryPoint,
        paged=True,
        query=(*REPORT_QUERY, "interval"),
        operation_id="report_summary",
        tag="reports",
        csv=True,
    ),
    # the account's administration
    Operation("get", "/account", "The account's settings and plan", response=admin.AccountOut),
    Operation(
        "patch",
        "/account",
        "Change settings (time zone, hours, holidays, CRM link, number look-up, retention, "
        "CSAT); plan, seats and add-ons are read-only here",
        response=admin.AccountOut,
        body=AccountPatch,
        errors=(413,),
    ),
    Operation(
        "get",
        f"/channels/{ID}",
        "One channel (secrets are never returned)",
        response=admin.ChannelDetailOut,
        errors=(404,),
    ),
    Operation(
        "patch",
        f"/channels/{ID}",
        "Rename, (de)activate, set the default team or change the config (validated by the "
        "connector; empty secrets keep the stored ones)",
        response=admin.ChannelDetailOut,
        body=admin.ChannelPatch,
        errors=(404, 413),
    ),
    Operation(
        "get",
        "/audit_events",
        "The audit log, newest first (days in the account's time zone, both inclusive)",
        response=admin.AuditEventOut,
        paged=True,
        query=("from", "to", "actor_id", "action"),
    ),
]

#: Every id the API gives out is a 24-digit hex ObjectId.
ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "from": {"type": "string", "format": "date"},
    "to": {"type": "string", "format": "date"},
    "channel_id": ID_SCHEMA,
    "contact_id": ID_SCHEMA,
    "team_id": ID_SCHEMA,
    "format": {"type": "string", "enum": ["json", "csv"]},
    "interval": {"type": "string", "enum": ["hour", "day"]},
}
#: Closed sets of query values, per path (an unknown value is 400, not an empty list).
QUERY_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("/conversations", "status"): CONVERSATION_STATUSES,
    (f"/webhooks/{ID}/deliveries", "status"): schemas.DELIVERY_STATUSES,
    ("/reports/sla", "format"): ("json", "csv"),
}
#: Query parameters an operation cannot do without.
REQUIRED_QUERY = {"from", "to"}


def _ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if op.response is not None:
        schema = _ref(op.response, components)
        if op.paged:
            schema = {
                "type": "object",
                "required": ["data", "next_cursor"],
                "properties": {
                    "data": {"type": "array", "items": schema},
                    "next_cursor": {"type": ["string", "null"]},
                },
            }
        content: dict[str, Any] = {"application/json": {"schema": schema}}
        if op.csv:
            content["text/csv"] = {"schema": {"type": "string"}}
        responses[str(op.status)] = {"description": op.summary, "content": content}
    error = _ref(schemas.ErrorOut, components)
    for status in sorted({*COMMON_ERRORS, *op.errors}):
        responses[str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": error}},
        }
    params: list[dict[str, Any]] = []
    if ID in op.path:
        params.append({"name": "id", "in": "path", "required": True, "schema": ID_SCHEMA})
    for name in op.query:
        schema = op.params.get(name) or QUERY_SCHEMAS.get(name, {"type": "string"})
        if (op.path, name) in QUERY_ENUMS:
            schema = {"type": "string", "enum": list(QUERY_ENUMS[(op.path, name)])}
        required = op.group == "reports" and name in REQUIRED_QUERY
        params.append({"name": name, "in": "query", "required": required, "schema": schema})
    for name in op.headers:
        params.append(
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        )
    result: dict[str, Any] = {
        "operationId": op.id,
        "tags": [op.group],
        "summary": op.summary,
        "responses": responses,
    }
    if params:
        result["parameters"] = params
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body, components)}},
        }
    return result


def document(server_url: str, operations: list[Operation] | None = None) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    seen: set[str] = set()
    for op in operations or OPERATIONS:
        if op.id in seen:
            raise ValueError(f"two operations are named {op.id}: give one an operation_id")
        seen.add(op.id)
        paths.setdefault(op.path, {})[op.method] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley generic API", "version": __version__},
        "servers": [{"url": f"{server_url}/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(request.app.state.hub.public_url))
