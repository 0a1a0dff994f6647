"""Generic API routes for outbound event subscriptions and their delivery logs."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.api.context import api_account, choice_of, cursor_of, json_body, limit_of
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    DELIVERY_STATUSES,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    page,
)
from hub.models import Account, WebhookDelivery, WebhookSubscription
from hub.store.conversations import NotFound, oid
from hub.store.paging import page_of


async def _subscription(account: Account, subscription_id: str) -> WebhookSubscription:
    found = await WebhookSubscription.find_one(
        WebhookSubscription.id == oid(subscription_id),
        WebhookSubscription.account_id == account.id,
    )
    if found is None:
        raise NotFound(subscription_id)
    return found


async def list_webhooks(request: Request) -> JSONResponse:
    account = await api_account(request)
    docs, cursor = await page_of(
        WebhookSubscription,
        {"account_id": account.id},
        limit_of(request),
        cursor_of(request),
        descending=False,
    )
    return JSONResponse(page([WebhookOut.of(s) for s in docs], cursor))  # type: ignore[arg-type]


@idempotent
async def create_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, WebhookIn)
    sub = WebhookSubscription(
        account_id=account.id,
        url=body.url,
        events=list(dict.fromkeys(body.events)),
        secret="whsec_" + secrets.token_hex(24),
    )
    await sub.insert()
    out = WebhookCreated(**WebhookOut.of(sub).model_dump(), secret=sub.secret)
    return JSONResponse(out.model_dump(mode="json"), status_code=201)


async def get_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    return JSONResponse(WebhookOut.of(sub).model_dump(mode="json"))


async def delete_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    await WebhookSubscription.get_pymongo_collection().delete_one(
        {"_id": sub.id, "account_id": account.id}
    )
    return JSONResponse(
        WebhookOut.of(sub).model_copy(update={"active": False}).model_dump(mode="json")
    )


async def list_deliveries(request: Request) -> JSONResponse:
    """The subscription's delivery log, newest first: each attempt's status code and duration."""
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    query = {"account_id": account.id, "target_id": sub.id}
    status = choice_of(request, "status", DELIVERY_STATUSES)
    keep = (lambda d: d.get("status") == status) if status else None
    docs, cursor = await page_of(
        WebhookDelivery, query, limit_of(request), cursor_of(request), keep=keep
    )
    return JSONResponse(page([DeliveryOut.of(d) for d in docs], cursor))  # type: ignore[arg-type]


routes = [
    Route("/webhooks", list_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{id}", delete_webhook, methods=["DELETE"]),
    Route("/webhooks/{id}/deliveries", list_deliveries, methods=["GET"]),
]
