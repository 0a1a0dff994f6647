"""The callback list through the API (``/api/v1/callbacks``): list, create, read, change, attempts.

The rules live in ``hub.centre.callbacks.lifecycle``; this module reads the request, calls them
and maps their typed errors: bad input 400 (``note_required``, ``invalid_phone``,
``window_past``, ``window_not_offered``…), another agent calling 409
``already_calling`` with ``handler``, a closed callback 409 ``callback_closed``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.api.context import api_account, json_body, limit_of
from hub.api.declare import PAGE, Api, choice, ident
from hub.api.errors import ApiError, error_response
from hub.centre.callbacks import lifecycle as callbacks
from hub.integrations.representations import CallbackOut
from hub.models import Account, User
from hub.store import users as stored_users
from hub.store.ids import try_id

api = Api(tag="callbacks")


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: AwareDatetime = Field(alias="from")
    until: AwareDatetime


class CallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str = Field(min_length=1, max_length=40)
    team_id: str | None = None
    window: WindowIn
    customer_input: str = Field(default="", max_length=callbacks.MAX_INPUT)


class CallbackPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["waiting", "cancelled"] | None = None
    phone: str | None = Field(default=None, min_length=1, max_length=40)
    team_id: str | None = None
    window: WindowIn | None = None
    customer_input: str | None = Field(default=None, max_length=callbacks.MAX_INPUT)
    #: A user id: that agent is calling now (409 if another is); null: nobody is.
    handler_id: str | None = None


class AttemptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Literal["reached", "no_answer"]
    #: Required, non-empty (400 ``note_required``).
    note: str = Field(default="", max_length=callbacks.MAX_NOTE)
    #: The agent who called (a user of the account); without it the attempt is the API's.
    user_id: str | None = None


Handler = Callable[[Request], Awaitable[Response]]


def answers(view: Handler) -> Handler:
    """Map the callback rules' typed errors to the API's answers."""

    @functools.wraps(view)
    async def wrapped(request: Request) -> Response:
        try:
            return await view(request)
        except callbacks.AlreadyCalling as exc:
            handler = {"id": exc.handler_id, "name": exc.handler_name}
            return error_response(409, exc.code, exc.message, handler=handler)
        except callbacks.CallbackClosed as exc:
            return error_response(409, exc.code, exc.message)
        except callbacks.InvalidCallback as exc:
            return error_response(400, exc.code, exc.message)

    return wrapped


def _out(callback: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(CallbackOut.of(callback).to_json(), status_code=status)


def _offset(request: Request) -> int:
    raw = request.query_params.get("cursor") or "o0"
    if not raw.startswith("o") or not raw[1:].isdigit() or len(raw) > 12:
        raise ApiError(400, "invalid_cursor", "cursor: not a cursor this API gave out")
    return int(raw[1:])


@api.get(
    "/callbacks",
    "list_callbacks",
    "The callback list, sorted by one column (open callbacks unless status says otherwise)",
    response=CallbackOut,
    paged=True,
    query=(
        choice("status", callbacks.STATUS_FILTERS),
        ident("team_id"),
        choice("sort", callbacks.SORTS),
        choice("order", ("asc", "desc")),
        *PAGE,
    ),
)
@answers
async def list_callbacks(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    q = request.query_params
    team = await callbacks.team_of(account.id, q.get("team_id") or None)
    found = await callbacks.list_callbacks(
        account.id,
        status=q.get("status", "open"),
        team_id=str(team.id) if team else None,
        sort=q.get("sort", "requested_at"),
        order=q.get("order", "asc"),
    )
    start, limit = _offset(request), limit_of(request, 50, 100)
    page = found[start : start + limit]
    cursor = f"o{start + limit}" if start + limit < len(found) else None
    return JSONResponse(
        {"data": [CallbackOut.of(c).to_json() for c in page], "next_cursor": cursor}
    )


@api.post(
    "/callbacks",
    "create_callback",
    "Ask for a callback (e.g. from a phone system's IVR)",
    status=201,
    response=CallbackOut,
    body=CallbackIn,
    errors=(413,),
)
@answers
async def create_callback(request: Request) -> Response:
    account = await api_account(request)
    body = await json_body(request, CallbackIn)
    callback = await callbacks.create(
        account,
        phone=body.phone,
        window_from=body.window.from_,
        window_until=body.window.until,
        team_id=body.team_id,
        customer_input=body.customer_input,
        source="api",
    )
    return _out(callback, 201)


@api.get(
    "/callbacks/{id}",
    "get_callback",
    "One callback with its attempts",
    response=CallbackOut,
    errors=(404,),
)
@answers
async def get_callback(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    return _out(await callbacks.get(account.id, request.path_params["id"]))


async def _user(account: Account, user_id: str, field: str) -> User:
    """An active user of the account named in the body; 400 ``invalid_user`` otherwise."""
    assert account.id is not None
    parsed = try_id(user_id)
    user = await stored_users.active_user_in_account(account.id, parsed) if parsed else None
    if user is None:
        raise callbacks.InvalidCallback("invalid_user", f"{field}: no such user in this account")
    return user


@api.patch(
    "/callbacks/{id}",
    "update_callback",
    "Change or cancel a callback; handler_id marks who is calling now (409 if another is)",
    response=CallbackOut,
    body=CallbackPatch,
    errors=(404, 409, 413),
)
@answers
async def patch_callback(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, CallbackPatch)
    changes = body.model_dump(exclude_unset=True)
    callback_id = request.path_params["id"]
    handler = changes.pop("handler_id", ...)
    if "window" in changes and body.window is not None:
        changes["window"] = {"from": body.window.from_, "until": body.window.until}
    for name in ("status", "phone", "window", "customer_input"):
        if name in changes and changes[name] is None:
            raise callbacks.InvalidCallback("invalid_request", f"{name}: may not be null")
    callback = await callbacks.update(
        account, callback_id, callbacks.CallbackUpdate.model_validate(changes)
    )
    if handler is None:
        callback = await callbacks.release(account.id, callback_id, None)
    elif handler is not ...:
        user = await _user(account, str(handler), "handler_id")
        callback = await callbacks.start_call(
            account.id, callback_id, str(user.id), user.name or user.email
        )
    return _out(callback)


@api.post(
    "/callbacks/{id}/attempts",
    "log_callback_attempt",
    "Log a call: reached ends it done, no_answer re-queues it; a note is required",
    status=201,
    response=CallbackOut,
    body=AttemptIn,
    errors=(404, 409, 413),
)
@answers
async def post_attempt(request: Request) -> Response:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, AttemptIn)
    by_id, by_name = "api", "API"
    if body.user_id:
        user = await _user(account, body.user_id, "user_id")
        by_id, by_name = str(user.id), user.name or user.email
    callback = await callbacks.log_attempt(
        account, request.path_params["id"], by_id, by_name, body.outcome, body.note
    )
    return _out(callback, 201)


routes = api.routes()
