"""Who is calling the API: the account behind a bearer key (or bot token), add-ons and limits."""

from __future__ import annotations

import asyncio
import functools
from typing import Any, TypeVar

from beanie import PydanticObjectId
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api import ratelimit
from hub.api.errors import ApiError
from hub.api.schemas import NoOptions
from hub.contract import JSONRefused, read_json
from hub.integrations import bots
from hub.models import Account, Actor, Bot, Sender
from hub.pipeline.realtime import Event
from hub.pipeline.services import Hub
from hub.store import accounts
from hub.store.ids import parse_id
from hub.tenants import audit, plans
from hub.tenants.auth import KeyCache

M = TypeVar("M", bound=BaseModel)
MAX_JSON_BYTES = 1024 * 1024


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send an API key as 'Authorization: Bearer <key>'")
    return token.strip()


async def api_account(request: Request, addon: str = "generic_api") -> Account:
    """The account of the request's API key; 401 without a valid key, 403 without the add-on.

    The first call in a request also counts it against the account's rate limit (429).
    """
    account: Account | None = getattr(request.state, "account", None)
    if account is None:
        record = await _keys(request).account_key(bearer(request))
        if record is None:
            raise ApiError(401, "unauthorized", "the API key is unknown or revoked")
        account = await _account(request, record.account_id)
        request.state.account = account
        request.state.api_key = record
    plans.require_addon(account.addons, addon)
    return account


def _keys(request: Request) -> KeyCache:
    """The app's cache of live API keys, dropped by the keys' change events."""
    cache: KeyCache | None = getattr(request.app.state, "api_keys", None)
    if cache is None:
        cache = request.app.state.api_keys = KeyCache()
        hub_of(request).realtime.subscribe(None, functools.partial(_key_changed, cache))
    return cache


def _key_changed(cache: KeyCache, event: Event) -> bool:
    if event.type.startswith("api_key."):
        cache.changed(event.data, event.changed)
    return False  # never queued: the cache only needs the side effect


def api_sender(request: Request) -> Sender:
    """Who a message sent through the API is from, as the inbox shows it: "API (key name)"."""
    record = getattr(request.state, "api_key", None)
    if record is None:
        return Sender(type="api", name="API")
    return Sender(type="api", id=str(record.id), name=f"API ({record.name})")


def api_actor(request: Request) -> Actor:
    """The audit actor of an API request: its key (call ``api_account`` first)."""
    record = getattr(request.state, "api_key", None)
    request.state.audited = True  # the route records its own event (see write_audit)
    return audit.of_key(record) if record is not None else audit.SYSTEM


def key_actor(request: Request) -> Actor:
    """The request's API key as an actor, for an event beside the route's own (not marking
    the request as audited, unlike ``api_actor``)."""
    record = getattr(request.state, "api_key", None)
    return audit.of_key(record) if record is not None else audit.SYSTEM


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def bot_of(request: Request) -> tuple[Account, Bot]:
    """The bot of the request's bot token and its account (which needs the chatbot add-on)."""
    found: tuple[Account, Bot] | None = getattr(request.state, "bot", None)
    if found is None:
        bot = await bots.bot_for_token(bearer(request))
        if bot is None:
            raise ApiError(401, "unauthorized", "the bot token is unknown or the bot was removed")
        found = (await _account(request, bot.account_id), bot)
        request.state.bot = found
    plans.require_addon(found[0].addons, "chatbot_api")
    return found


async def caller_account(request: Request) -> Account:
    """The account of either kind of caller: an API key or (under ``/bot``) a bot token."""
    if request.url.path.startswith("/api/v1/bot/"):
        return (await bot_of(request))[0]
    return await api_account(request)


async def _account(request: Request, account_id: PydanticObjectId) -> Account:
    """The key's account, and the request counted against its rate limit: both at once
    (one wait, not two); a missing account answers 401 before a 429."""
    hub = hub_of(request)
    settings = hub.settings
    found, counted = await asyncio.gather(
        accounts.find_account(account_id),
        ratelimit.count(
            account_id, settings.api_rate_limit, settings.api_rate_window_seconds, hub.rate_hits
        ),
        return_exceptions=True,
    )
    if isinstance(found, BaseException):
        raise found
    if found is None:
        raise ApiError(401, "unauthorized", "the key's account no longer exists")
    if isinstance(counted, BaseException):
        raise counted
    return found


async def account_id_of(request: Request, addon: str = "generic_api") -> PydanticObjectId:
    """The id of the request's account (``api_account``: 401, 403 and 429 as it says)."""
    account = await api_account(request, addon)
    assert account.id is not None
    return account.id


async def no_options(request: Request) -> None:
    """An action without options: no body, a blank one, or ``{}`` (400 for anything else)."""
    if (await request.body()).strip():
        await json_body(request, NoOptions)


async def json_body(request: Request, model: type[M]) -> M:
    """The request's JSON body validated as ``model``; 400/413 with a reason otherwise.

    The body is read with ``hub.contract.read_json``: size and depth limits before
    parsing, and nothing the database cannot store (64-bit integers, valid Unicode).
    """
    body = await request.body()
    try:
        data: Any = read_json(body or b"null", max_bytes=MAX_JSON_BYTES)
    except JSONRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
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


def choice_of(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    """A closed-set query value (``?status=``): None when absent, 400 naming the allowed values."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise ApiError(400, "invalid_filter", f"{name} must be one of: {', '.join(allowed)}")
    return raw


def path_id(request: Request) -> PydanticObjectId:
    """The ``{id}`` of the request's path, parsed once: 404 when it cannot be an id."""
    return parse_id(request.path_params["id"])


def cursor_of(request: Request) -> str | None:
    return request.query_params.get("cursor") or None


def answer(shape: BaseModel, status: int = 200) -> JSONResponse:
    """One JSON answer of the API: a shape, dumped as JSON."""
    return JSONResponse(shape.model_dump(mode="json"), status_code=status)
