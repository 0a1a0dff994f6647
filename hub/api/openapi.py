"""The OpenAPI 3.1 document of the generic API, built from the route table and the schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import __version__
from hub.api import schemas, users
from hub.api.routes import CONVERSATION_STATUSES


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

    @property
    def tag(self) -> str:
        """The resource the operation belongs to (its first path segment), for grouping."""
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
    Operation("get", "/users", "The account's users", response=users.UserOut, paged=True),
    Operation(
        "post",
        "/users",
        "Add a user (agent or supervisor); takes a seat",
        status=201,
        response=users.UserOut,
        body=users.UserIn,
        errors=(400, 401, 402, 403, 409),
    ),
]

#: Every id the API gives out is a 24-digit hex ObjectId.
ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
    "channel_id": ID_SCHEMA,
    "contact_id": ID_SCHEMA,
}
#: Closed sets of query values, per path (an unknown value is 400, not an empty list).
QUERY_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("/conversations", "status"): CONVERSATION_STATUSES,
    (f"/webhooks/{ID}/deliveries", "status"): schemas.DELIVERY_STATUSES,
}


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
        responses[str(op.status)] = {
            "description": op.summary,
            "content": {"application/json": {"schema": schema}},
        }
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
        schema = QUERY_SCHEMAS.get(name, {"type": "string"})
        if (op.path, name) in QUERY_ENUMS:
            schema = {"type": "string", "enum": list(QUERY_ENUMS[(op.path, name)])}
        params.append({"name": name, "in": "query", "required": False, "schema": schema})
    for name in op.headers:
        params.append(
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        )
    result: dict[str, Any] = {
        "operationId": op.id,
        "tags": [op.tag],
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
