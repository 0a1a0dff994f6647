"""Generic API routes for outbound event subscriptions and their delivery logs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import answer, api_account, choice_of, cursor_of, json_body, limit_of, listed
from hub.api.declare import IDEMPOTENT, PAGE, Api, choice
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    DELIVERY_STATUSES,
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    page,
)
from hub.integrations import subscriptions
from hub.models import Account, WebhookDelivery, WebhookSubscription
from hub.store.conversations import NotFound, oid
from hub.store.paging import page_of

api = Api(tag="webhooks")


async def _subscription(account: Account, subscription_id: str) -> WebhookSubscription:
    found = await WebhookSubscription.find_one(
        WebhookSubscription.id == oid(subscription_id),
        WebhookSubscription.account_id == account.id,
    )
    if found is None:
        raise NotFound(subscription_id)
    return found


@api.get(
    "/webhooks",
    "list_webhooks",
    "The account's event subscriptions",
    response=WebhookOut,
    paged=True,
    query=PAGE,
)
async def list_webhooks(request: Request) -> JSONResponse:
    account = await api_account(request)
    query = {"account_id": account.id}
    return await listed(request, WebhookSubscription, query, WebhookOut.of, descending=False)


@api.post(
    "/webhooks",
    "create_webhook",
    "Subscribe a URL to events; the answer holds the signing secret (shown once)",
    status=201,
    response=WebhookCreated,
    body=WebhookIn,
    errors=(409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def create_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    assert account.id is not None
    body = await json_body(request, WebhookIn)
    sub = await subscriptions.create(account.id, body.url, list(body.events))
    out = WebhookCreated(**WebhookOut.of(sub).model_dump(), secret=sub.secret)
    return answer(out, 201)


@api.get("/webhooks/{id}", "get_webhook", "One subscription", response=WebhookOut, errors=(404,))
async def get_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    return answer(WebhookOut.of(sub))


@api.delete(
    "/webhooks/{id}",
    "delete_webhook",
    "Remove a subscription",
    response=WebhookOut,
    errors=(404,),
)
async def delete_webhook(request: Request) -> JSONResponse:
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    await WebhookSubscription.get_pymongo_collection().delete_one(
        {"_id": sub.id, "account_id": account.id}
    )
    return JSONResponse(
        WebhookOut.of(sub).model_copy(update={"active": False}).model_dump(mode="json")
    )


@api.get(
    "/webhooks/{id}/deliveries",
    "list_webhook_deliveries",
    "The subscription's deliveries, newest first, with every attempt",
    response=DeliveryOut,
    paged=True,
    query=(choice("status", DELIVERY_STATUSES), *PAGE),
    errors=(404,),
)
async def list_deliveries(request: Request) -> JSONResponse:
    """The subscription's delivery log, newest first: each attempt's status code and duration."""
    account = await api_account(request)
    sub = await _subscription(account, request.path_params["id"])
    query: dict[str, Any] = {"account_id": account.id, "target_id": sub.id}
    status = choice_of(request, "status", DELIVERY_STATUSES)
    keep = (lambda d: d.get("status") == status) if status else None
    docs, cursor = await page_of(
        WebhookDelivery, query, limit_of(request), cursor_of(request), keep=keep
    )
    return JSONResponse(page([DeliveryOut.of(d) for d in docs], cursor))


routes = api.routes()
