"""``Idempotency-Key`` on every API POST: the same key and body get the same answer.

The first request with a key stores a record ``<account>:<key>`` (unique, kept a day by a
TTL index) holding a fingerprint of method, path and body, and then its answer. A repeat
with the same fingerprint gets that answer again; with another fingerprint, 409. Only
successful answers are kept: a refused request may be corrected and sent again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from functools import wraps

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import Response

from hub.api.context import caller_account
from hub.api.errors import ApiError
from hub.models import IdempotencyRecord
from hub.store import idempotency

Handler = Callable[[Request], Awaitable[Response]]
MAX_KEY_LENGTH = 255
REPLAYED_HEADER = "Idempotent-Replayed"


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def _replay(account_id: PydanticObjectId, key: str, fingerprint: str) -> Response:
    existing = await idempotency.find(account_id, key)
    if existing is None:  # expired between our insert and this read
        raise ApiError(409, "idempotency_retry", "the Idempotency-Key just expired; send again")
    if existing.fingerprint != fingerprint:
        raise ApiError(
            409, "idempotency_conflict", "this Idempotency-Key was used with another request"
        )
    if existing.status_code is None:
        raise ApiError(
            409, "idempotency_in_progress", "a request with this Idempotency-Key is still running"
        )
    return Response(
        existing.body,
        existing.status_code,
        media_type="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


async def _remember(record: IdempotencyRecord, response: Response) -> None:
    """Keep a successful answer for repeats; forget a refusal so a fixed request may reuse the key."""
    if not 200 <= response.status_code < 300:
        await idempotency.forget(record)
        return
    await idempotency.remember(record, response.status_code, bytes(response.body).decode())


def idempotent(handler: Handler) -> Handler:
    """Wrap a POST handler so an ``Idempotency-Key`` header makes it safe to retry."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        key = request.headers.get("idempotency-key")
        if key is None:
            return await handler(request)
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            raise ApiError(400, "invalid_idempotency_key", "an Idempotency-Key has 1 to 255 chars")
        account = await caller_account(request)
        assert account.id is not None
        fingerprint = _fingerprint(request, await request.body())
        record = await idempotency.take(account.id, key, fingerprint)
        if record is None:
            return await _replay(account.id, key, fingerprint)
        try:
            response = await handler(request)
        except BaseException:
            await idempotency.forget(record)
            raise
        await _remember(record, response)
        return response

    return wrapped
