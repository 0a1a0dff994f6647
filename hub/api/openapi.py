"""The OpenAPI 3.1 document of the generic API, built from the route table and the schemas."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import __version__
from hub.api import schemas, users


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
    errors: tuple[int, ...] = (401, 403)
    headers: tuple[str, ...] = field(default=())


ID = "{id}"
OPERATIONS: list[Operation] = [
    Operation(
        "get", "/channels", "The account's channels", response=schemas.ChannelOut, paged=True
    ),
    Operation(
        "get",
        "/conversations",
        "Conversations, newest activity first",
        response=schemas.ConversationOut,
        paged=True,
        query=("status", "channel_id", "contact_id", "assignee_id", "limit", "cursor"),
        errors=(400, 401, 403),
    ),
    Operation(
        "get",
        f"/conversations/{ID}",
        "One conversation",
        response=schemas.ConversationOut,
        errors=(401, 403, 404),
    ),
    Operation(
        "patch",
        f"/conversations/{ID}",
        "Change status, assignee, team, labels or priority",
        response=schemas.ConversationOut,
        body=schemas.ConversationPatch,
        errors=(400, 401, 403, 404),
    ),
    Operation(
        "get",
        f"/conversations/{ID}/messages",
        "A conversation's messages, oldest first",
        response=schemas.MessageOut,
        paged=True,
        query=("limit", "cursor"),
        errors=(400, 401, 403, 404),
    ),
    Operation(
        "post",
        f"/conversations/{ID}/messages",
        "Reply (queued for sending) or add a note",
        status=202,
        response=schemas.MessageOut,
        body=schemas.ReplyIn,
        errors=(400, 401, 403, 404, 409, 422),
        headers=("Idempotency-Key",),
    ),
    Operation(
        "get",
        f"/messages/{ID}",
        "One message with its delivery state and error",
        response=schemas.MessageOut,
        errors=(401, 403, 404),
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

QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": 200},
    "status": {"type": "string", "enum": ["open", "pending", "snoozed", "resolved"]},
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
    for status in op.errors:
        responses[str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": error}},
        }
    params: list[dict[str, Any]] = []
    if ID in op.path:
        params.append({"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
    for name in op.query:
        schema = QUERY_SCHEMAS.get(name, {"type": "string"})
        params.append({"name": name, "in": "query", "required": False, "schema": schema})
    for name in op.headers:
        params.append(
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        )
    result: dict[str, Any] = {"summary": op.summary, "responses": responses}
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
    for op in operations or OPERATIONS:
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
