"""Who is calling the API: the account behind a bearer key, with its add-ons checked."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from hub import plans
from hub.api.errors import ApiError
from hub.auth import api_key_account
from hub.models import Account
from hub.services import Hub

M = TypeVar("M", bound=BaseModel)
MAX_JSON_BYTES = 1024 * 1024


def hub_of(request: Request) -> Hub:
    return request.app.state.hub  # type: ignore[no-any-return]


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer <key>'")
    return token.strip()


async def api_account(request: Request, addon: str = "generic_api") -> Account:
    """The account of the request's API key; 401 without a valid key, 403 without the add-on."""
    record = await api_key_account(bearer(request))
    if record is None:
        raise ApiError(401, "unauthorized", "the API key is unknown or revoked")
    account = await Account.get(record.account_id)
    if account is None:
        raise ApiError(401, "unauthorized", "the API key's account no longer exists")
    plans.require_addon(account.addons, addon)
    return account


async def json_body(request: Request, model: type[M]) -> M:
    """The request's JSON body validated as ``model``; 400 with a reason otherwise."""
    body = await request.body()
    if len(body) > MAX_JSON_BYTES:
        raise ApiError(413, "too_large", f"the body is over {MAX_JSON_BYTES} bytes")
    try:
        data: Any = json.loads(body or b"null")
    except ValueError as exc:
        raise ApiError(400, "malformed_json", f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "the body must be a JSON object")
    return model.model_validate(data)


def limit_of(request: Request, default: int = 25, maximum: int = 100) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(400, "invalid_limit", f"limit must be a whole number from 1 to {maximum}")
    return int(raw)
