"""Sending stored webhook deliveries: claimed atomically with a lease, retried with backoff.

Like the outbox's dispatcher: a worker claims a due delivery by moving its ``due``
to the end of a lease (a crashed worker's claim runs out and is taken again),
POSTs the signed body through the app's shared HTTP client, and records each
attempt (status code, duration) in the delivery's log. A failed attempt is retried
with doubling backoff until the delivery is ``Settings.webhook_retry_hours`` old,
then marked failed. A bot's delivery gets ``Settings.bot_max_attempts`` tries (a
customer is waiting); when they fail, the conversation goes to humans.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Literal

import httpx

from hub import __version__
from hub.contract import now
from hub.integrations import bots
from hub.integrations.event_webhooks import SIGNATURE_HEADER, sign
from hub.models import WebhookDelivery
from hub.models.webhook import Attempt
from hub.pipeline.channel_secrets import SIGNING_FIELDS, SecretUnreadable
from hub.pipeline.claims import ClaimLoop
from hub.store import webhooks as store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0
REQUEST_TIMEOUT = 15.0
MAX_BACKOFF = 3600.0
IDLE_POLL = 5.0
LOG_KEPT = 50


class DeliveryWorker(ClaimLoop[WebhookDelivery]):
    """Claims due deliveries and POSTs them; one per ``parley serve`` process."""

    name = "webhook-delivery"

    def __init__(self, hub: Hub, concurrency: int = 8) -> None:
        super().__init__(concurrency)
        self.hub = hub

    def idle_poll(self) -> float:
        return IDLE_POLL

    async def next_due(self) -> dt.datetime | None:
        return await store.next_delivery_due_all_accounts()

    async def process(self, item: WebhookDelivery) -> None:
        await self.send(item)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The claim's lease runs out and the delivery is tried again.
            log.warning("webhook delivery failed: %r", task.exception())
        self._wake.set()  # a retry may now be due sooner than the loop planned to look

    async def claim(self) -> WebhookDelivery | None:
        lease = dt.timedelta(seconds=LEASE_SECONDS)
        return await store.claim_due_delivery_all_accounts(self.owner, lease)

    async def send(self, delivery: WebhookDelivery) -> None:
        """POST one claimed delivery and record the attempt."""
        target = await store.delivery_target(delivery)
        if target is None:
            await self._finish(delivery, "failed", _attempt(delivery, None, 0, "target removed"))
            return
        url, sealed = target
        try:
            secret = self.hub.cipher.open(SIGNING_FIELDS[delivery.target], sealed)
        except SecretUnreadable as exc:
            await self._retry(delivery, _attempt(delivery, None, 0, str(exc)))
            return
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Parley-Webhooks/{__version__}",
            "Parley-Event": delivery.event_type,
            "Parley-Delivery": str(delivery.id),
            SIGNATURE_HEADER: sign(secret, body),
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = await self.hub.http.post(
                url, content=body, headers=headers, timeout=REQUEST_TIMEOUT
            )
            status = response.status_code
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        attempt = _attempt(delivery, status, int((time.monotonic() - started) * 1000), error)
        if status is not None and 200 <= status < 300:
            await self._finish(delivery, "delivered", attempt)
        else:
            await self._retry(delivery, attempt)

    async def _finish(
        self, delivery: WebhookDelivery, status: Literal["delivered", "failed"], attempt: Attempt
    ) -> None:
        await store.finish_delivery(delivery, self.owner, status, attempt, LOG_KEPT)

    async def _retry(self, delivery: WebhookDelivery, attempt: Attempt) -> None:
        settings = self.hub.settings
        if delivery.target == "bot":
            given_up = delivery.attempts >= settings.bot_max_attempts
        else:
            age = now() - delivery.created_at
            given_up = age > dt.timedelta(hours=settings.webhook_retry_hours)
        if given_up:
            await self._finish(delivery, "failed", attempt)
            if delivery.target == "bot" and delivery.conversation_id is not None:
                await bots.handoff(
                    self.hub,
                    delivery.account_id,
                    delivery.conversation_id,
                    note="The bot's webhook kept failing; handed over to the team.",
                )
            return
        delay = min(MAX_BACKOFF, settings.webhook_base_backoff * 2 ** (delivery.attempts - 1))
        due = now() + dt.timedelta(seconds=delay)
        await store.retry_delivery(delivery, self.owner, attempt, due, LOG_KEPT)


def _attempt(
    delivery: WebhookDelivery, status: int | None, duration_ms: int, error: str | None
) -> Attempt:
    return Attempt(
        attempt=delivery.attempts,
        at=now(),
        status_code=status,
        duration_ms=duration_ms,
        error=error,
    )
