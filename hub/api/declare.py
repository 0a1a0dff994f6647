"""Each API route declared once, beside its handler: its Starlette route and its OpenAPI operation.

A handler module makes one ``Api`` and declares each handler with it::

    api = Api(tag="contacts")

    @api.get("/contacts/{id}", "get_contact", "One contact", response=ContactOut, errors=(404,))
    async def get_contact(request: Request) -> JSONResponse: ...

    routes = api.routes()

``Api.operations`` is what ``hub.api.openapi`` documents, and ``Api.routes()`` what the API
mounts: both come from the same declarations, so a route cannot lack its documentation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal, TypedDict, TypeVar, Unpack

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.contract import JsonObject

__all__ = [
    "COMMON_ERRORS",
    "CURSOR",
    "IDEMPOTENT",
    "ID_SCHEMA",
    "LIMIT",
    "PAGE",
    "Api",
    "ApiRoute",
    "Handler",
    "Meta",
    "Method",
    "Query",
    "choice",
    "day",
    "ident",
    "text",
]

Handler = Callable[[Request], Awaitable[Response]]
H = TypeVar("H", bound=Handler)
Method = Literal["get", "post", "patch", "put", "delete"]

#: Every id the API gives out is a 24-digit hex ObjectId.
ID_SCHEMA: JsonObject = {"type": "string", "pattern": "^[0-9a-f]{24}$"}
#: Every operation may answer these: bad input, no key, missing add-on, rate limit.
COMMON_ERRORS = (400, 401, 403, 429)
#: The header that makes a POST safe to retry (``hub.api.idempotency``).
IDEMPOTENT = ("Idempotency-Key",)


@dataclass(frozen=True)
class Query:
    """A query parameter of an operation and the JSON schema of its value."""

    name: str
    schema: JsonObject = field(default_factory=lambda: {"type": "string"})
    required: bool = False


def text(name: str) -> Query:
    """A free-text query value (``?search=``)."""
    return Query(name)


def choice(name: str, values: Iterable[str]) -> Query:
    """A closed set of values: the document lists them (an unknown one is 400, not an empty list)."""
    return Query(name, {"type": "string", "enum": list(values)})


def ident(name: str) -> Query:
    """An id this API gave out (``?team_id=``)."""
    return Query(name, dict(ID_SCHEMA))


def day(name: str, *, required: bool = False) -> Query:
    """A date ``YYYY-MM-DD`` (``?from=&to=``)."""
    return Query(name, {"type": "string", "format": "date"}, required)


LIMIT = Query("limit", {"type": "integer", "minimum": 1, "maximum": 100})
CURSOR = text("cursor")
PAGE = (LIMIT, CURSOR)


class Meta(TypedDict, total=False):
    """What an operation declares beside its path, operationId and summary."""

    #: The success status.
    status: int
    #: The success body; with ``paged``, each item of ``{"data": [...], "next_cursor"}``.
    response: type[BaseModel]
    paged: bool
    #: The JSON request body.
    body: type[BaseModel]
    query: tuple[Query, ...]
    #: Statuses beyond ``COMMON_ERRORS`` this operation may answer.
    errors: tuple[int, ...]
    headers: tuple[str, ...]
    #: The group of the operation in generated clients; the ``Api``'s tag when absent.
    tag: str
    #: Also answers ``text/csv`` (with ``?format=csv``).
    csv: bool


@dataclass(frozen=True)
class ApiRoute:
    """One operation: its handler and everything the OpenAPI document says about it."""

    method: Method
    path: str
    handler: Handler
    operation_id: str
    summary: str
    tag: str
    status: int = 200
    response: type[BaseModel] | None = None
    paged: bool = False
    body: type[BaseModel] | None = None
    query: tuple[Query, ...] = ()
    errors: tuple[int, ...] = ()
    headers: tuple[str, ...] = ()
    csv: bool = False

    def route(self) -> Route:
        return Route(self.path, self.handler, methods=[self.method.upper()])


class Api:
    """The declared operations of one handler module, in matching order."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.operations: list[ApiRoute] = []

    def _declare(
        self, method: Method, path: str, operation_id: str, summary: str, meta: Meta
    ) -> Callable[[H], H]:
        def register(handler: H) -> H:
            self.operations.append(
                ApiRoute(
                    method,
                    path,
                    handler,
                    operation_id,
                    summary,
                    meta.get("tag", self.tag),
                    status=meta.get("status", 200),
                    response=meta.get("response"),
                    paged=meta.get("paged", False),
                    body=meta.get("body"),
                    query=meta.get("query", ()),
                    errors=meta.get("errors", ()),
                    headers=meta.get("headers", ()),
                    csv=meta.get("csv", False),
                )
            )
            return handler

        return register

    def get(
        self, path: str, operation_id: str, summary: str, **meta: Unpack[Meta]
    ) -> Callable[[H], H]:
        return self._declare("get", path, operation_id, summary, meta)

    def post(
        self, path: str, operation_id: str, summary: str, **meta: Unpack[Meta]
    ) -> Callable[[H], H]:
        return self._declare("post", path, operation_id, summary, meta)

    def patch(
        self, path: str, operation_id: str, summary: str, **meta: Unpack[Meta]
    ) -> Callable[[H], H]:
        return self._declare("patch", path, operation_id, summary, meta)

    def put(
        self, path: str, operation_id: str, summary: str, **meta: Unpack[Meta]
    ) -> Callable[[H], H]:
        return self._declare("put", path, operation_id, summary, meta)

    def delete(
        self, path: str, operation_id: str, summary: str, **meta: Unpack[Meta]
    ) -> Callable[[H], H]:
        return self._declare("delete", path, operation_id, summary, meta)

    def routes(self) -> list[Route]:
        """The Starlette routes of the declared operations."""
        return [op.route() for op in self.operations]
