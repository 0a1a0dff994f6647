"""The OpenAPI 3.1 document of the generic API, built from the routes' own declarations.

Each handler module declares its operations once (``hub.api.declare``); ``hub.api.endpoints``
collects them. Nothing here names a route: this module only turns declarations into JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub import __version__
from hub.api.declare import COMMON_ERRORS, ID_SCHEMA, ApiRoute
from hub.api.endpoints import OPERATIONS
from hub.api.schemas import ErrorOut
from hub.contract import JsonObject, JsonValue

__all__ = ["document", "openapi_json"]

Schemas = dict[str, Any]


def _ref(model: type[BaseModel], components: Schemas) -> JsonObject:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        components[name] = sub
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _responses(op: ApiRoute, components: Schemas) -> JsonObject:
    responses: JsonObject = {}
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
        content: JsonObject = {"application/json": {"schema": schema}}
        if op.csv:
            content["text/csv"] = {"schema": {"type": "string"}}
        responses[str(op.status)] = {"description": op.summary, "content": content}
    error = _ref(ErrorOut, components)
    for status in sorted({*COMMON_ERRORS, *op.errors}):
        responses[str(status)] = {
            "description": "error",
            "content": {"application/json": {"schema": error}},
        }
    return responses


def _parameters(op: ApiRoute) -> list[JsonValue]:
    params: list[JsonValue] = []
    if "{id}" in op.path:
        params.append({"name": "id", "in": "path", "required": True, "schema": dict(ID_SCHEMA)})
    for query in op.query:
        params.append(
            {"name": query.name, "in": "query", "required": query.required, "schema": query.schema}
        )
    for name in op.headers:
        params.append(
            {"name": name, "in": "header", "required": False, "schema": {"type": "string"}}
        )
    return params


def _operation(op: ApiRoute, components: Schemas) -> JsonObject:
    result: JsonObject = {
        "operationId": op.operation_id,
        "tags": [op.tag],
        "summary": op.summary,
        "responses": _responses(op, components),
    }
    params = _parameters(op)
    if params:
        result["parameters"] = params
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.body, components)}},
        }
    return result


def document(server_url: str, operations: Sequence[ApiRoute] = OPERATIONS) -> JsonObject:
    """The document of ``operations`` (every operation of the API by default)."""
    components: Schemas = {}
    paths: dict[str, JsonObject] = {}  # path -> method -> operation
    seen: set[str] = set()
    for op in operations:
        if op.operation_id in seen:
            raise ValueError(f"two operations are named {op.operation_id}")
        seen.add(op.operation_id)
        paths.setdefault(op.path, {})[op.method] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Parley generic API", "version": __version__},
        "servers": [{"url": f"{server_url}/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {path: dict(methods) for path, methods in paths.items()},
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(request.app.state.hub.public_url))
