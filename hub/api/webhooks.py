"""Generic API routes for outbound event subscriptions: the subscription (with its health),
its secret's rotation, its delivery log, redeliveries and a test ``ping``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.api.context import (
    account_id_of,
    answer,
    choice_of,
    cursor_of,
    hub_of,
    json_body,
    limit_of,
    no_options,
    path_id,
)
from hub.api.declare import IDEMPOTENT, PAGE, Api, choice
from hub.api.idempotency import idempotent
from hub.api.schemas import (
    DELIVERY_STATUSES,
    DeliveryOut,
    NoOptions,
    RedeliveredOut,
    RedeliverRange,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    page,
)
from hub.integrations import subscriptions
from hub.store import webhooks

api = Api(tag="webhooks")


@api.get(
    "/webhooks",
    "list_webhooks",
    "The account's event subscriptions",
    response=WebhookOut,
    paged=True,
    query=PAGE,
)
async def list_webhooks(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    docs, cursor = await webhooks.page_subscriptions(
        account_id, limit_of(request), cursor_of(request)
    )
    return JSONResponse(page([WebhookOut.of(s) for s in docs], cursor))


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
    account_id = await account_id_of(request)
    body = await json_body(request, WebhookIn)
    sub = await subscriptions.create(
        account_id, body.url, list(body.events), hub_of(request).cipher
    )
    out = WebhookCreated(**WebhookOut.of(sub).model_dump(), secret=sub.secret)
    return answer(out, 201)


@api.get("/webhooks/{id}", "get_webhook", "One subscription", response=WebhookOut, errors=(404,))
async def get_webhook(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    return answer(WebhookOut.of(await webhooks.require_subscription(account_id, path_id(request))))


@api.delete(
    "/webhooks/{id}",
    "delete_webhook",
    "Remove a subscription",
    response=WebhookOut,
    errors=(404,),
)
async def delete_webhook(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    sub_id = path_id(request)
    sub = await webhooks.require_subscription(account_id, sub_id)
    await webhooks.delete_subscription(account_id, sub_id)
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
    account_id = await account_id_of(request)
    sub_id = path_id(request)
    await webhooks.require_subscription(account_id, sub_id)  # 404 for another account's
    status = choice_of(request, "status", DELIVERY_STATUSES)
    docs, cursor = await webhooks.page_deliveries(
        account_id, sub_id, status, limit_of(request), cursor_of(request)
    )
    return JSONResponse(page([DeliveryOut.of(d) for d in docs], cursor))


def _wake(request: Request) -> None:
    """The delivery worker sends what was just queued now, not at its next look."""
    worker = request.app.state.workers.get("webhook_deliveries")
    if worker is not None:
        worker.wake()


@api.post(
    "/webhooks/{id}/rotate_secret",
    "rotate_webhook_secret",
    "A new signing secret (shown once); the old one also signs deliveries for 24 hours",
    response=WebhookCreated,
    body=NoOptions,
    errors=(404, 409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def rotate_secret(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    await no_options(request)
    sub = await subscriptions.rotate(account_id, path_id(request), hub_of(request).cipher)
    return answer(WebhookCreated(**WebhookOut.of(sub).model_dump(), secret=sub.secret))


@api.post(
    "/webhooks/{id}/test",
    "test_webhook",
    "Send a signed test event of type ping now; answers with its delivery",
    status=202,
    response=DeliveryOut,
    body=NoOptions,
    errors=(404, 409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def test_webhook(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    await no_options(request)
    sub = await webhooks.require_subscription(account_id, path_id(request))
    delivery = await subscriptions.ping(account_id, sub)
    _wake(request)
    return answer(DeliveryOut.of(delivery), 202)


@api.post(
    "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    "redeliver_webhook_delivery",
    "Send one delivery again now, as it was: the same event id, a new signature",
    status=202,
    response=DeliveryOut,
    body=NoOptions,
    errors=(404, 409, 413),
    headers=IDEMPOTENT,
)
@idempotent
async def redeliver(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    await no_options(request)
    sub = await webhooks.require_subscription(account_id, path_id(request))
    delivery = await subscriptions.redeliver(account_id, sub, request.path_params["delivery_id"])
    _wake(request)
    assert delivery.id is not None
    requeued = await webhooks.get_delivery(account_id, delivery.id)
    return answer(DeliveryOut.of(requeued or delivery), 202)


@api.post(
    "/webhooks/{id}/redeliver_failed",
    "redeliver_failed_webhook_deliveries",
    "Send again every failed delivery created from `from` (inclusive) to `to` (exclusive)",
    response=RedeliveredOut,
    body=RedeliverRange,
    errors=(404, 409),
)
async def redeliver_failed(request: Request) -> JSONResponse:
    account_id = await account_id_of(request)
    sub = await webhooks.require_subscription(account_id, path_id(request))
    body = await json_body(request, RedeliverRange)
    count = await subscriptions.redeliver_failed(account_id, sub, body.since, body.until)
    _wake(request)
    return answer(RedeliveredOut(redelivered=count))


routes = api.routes()
