"""Sending stored webhook deliveries: claimed atomically with a lease, retried with backoff.

Like the outbox's dispatcher: a worker claims a due delivery by moving its ``due``
to the end of a lease (a crashed worker's claim runs out and is taken again),
POSTs the signed body through the app's shared HTTP client, and records each
attempt (status code, duration) in the delivery's log. A failed attempt is retried
with doubling backoff (or after the receiver's ``Retry-After`` on a 429 or 503) until
the delivery is ``Settings.webhook_retry_hours`` (24) old, then marked failed; a
``410 Gone`` disables the subscription at once. Each attempt also notes the
subscription's health (last success, last error, failures in a row). A bot's delivery gets ``Settings.bot_max_attempts`` tries (a
customer is waiting); when they fail, the conversation goes to humans.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx

from hub import __version__
from hub.contract import now
from hub.integrations import bots, signing
from hub.integrations.event_webhooks import public_id
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
#: How much of a receiver's answer the delivery log keeps.
EXCERPT_BYTES = 1024
#: The request headers the delivery log shows (the signatures, never a secret).
SHOWN = {"webhook-id", "webhook-timestamp", "webhook-signature", "parley-signature",
         "parley-event", "parley-delivery"}  # fmt: skip


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
            await self._finish(
                delivery, "failed", _attempt(delivery, None, 0, "target removed or disabled")
            )
            return
        try:
            secrets = tuple(
                self.hub.cipher.open(SIGNING_FIELDS[delivery.target], key) for key in target.secrets
            )
        except SecretUnreadable as exc:
            await self._retry(delivery, _attempt(delivery, None, 0, str(exc)))
            return
        body = delivery.body.encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"Parley-Webhooks/{__version__}",
            "Parley-Event": delivery.event_type,
            "Parley-Delivery": str(delivery.id),
            # wall-clock seconds: what the receiver compares with its own clock
            **signing.headers(secrets, public_id(delivery.event_key), body, int(time.time())),
        }
        started = time.monotonic()
        answer: Answer | None = None
        error: str | None = None
        try:
            answer = await self._post(target.url, body, headers)
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        status = None if answer is None else answer.status
        attempt = _attempt(delivery, status, int((time.monotonic() - started) * 1000), error)
        attempt.request_headers = {k: v for k, v in headers.items() if k.lower() in SHOWN}
        attempt.response_body = None if answer is None else answer.excerpt
        if status is not None and 200 <= status < 300:
            await self._finish(delivery, "delivered", attempt)
            await self._health(delivery, attempt, ok=True)
        elif status == 410:
            reason = f"{target.url} answered 410 Gone at {attempt.at.isoformat()}"
            await self._finish(delivery, "failed", attempt)
            await self._health(delivery, attempt, ok=False, disabled_reason=reason)
            await self._hand_over(delivery)
        else:
            wait = answer.retry_after if answer is not None and status in (429, 503) else None
            await self._retry(delivery, attempt, wait)
            await self._health(delivery, attempt, ok=False)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST and read the status, ``Retry-After`` and the first bytes of the answer."""
        async with self.hub.http.stream(
            "POST", url, content=body, headers=headers, timeout=REQUEST_TIMEOUT
        ) as response:
            excerpt = b""
            async for chunk in response.aiter_bytes():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
            return Answer(
                response.status_code,
                excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"),
                retry_after(response.headers.get("retry-after")),
            )

    async def _health(
        self,
        delivery: WebhookDelivery,
        attempt: Attempt,
        *,
        ok: bool,
        disabled_reason: str | None = None,
    ) -> None:
        if delivery.target == "subscription":
            await store.record_health(
                delivery.account_id, delivery.target_id, attempt, ok, disabled_reason
            )

    async def _finish(
        self, delivery: WebhookDelivery, status: Literal["delivered", "failed"], attempt: Attempt
    ) -> None:
        await store.finish_delivery(delivery, self.owner, status, attempt, LOG_KEPT)

    async def _hand_over(self, delivery: WebhookDelivery) -> None:
        """A bot that stopped answering: its conversation goes to the team."""
        if delivery.target == "bot" and delivery.conversation_id is not None:
            await bots.handoff(
                self.hub,
                delivery.account_id,
                delivery.conversation_id,
                note="The bot's webhook kept failing; handed over to the team.",
            )

    async def _retry(
        self, delivery: WebhookDelivery, attempt: Attempt, wait: float | None = None
    ) -> None:
        """Try again after ``wait`` seconds (the receiver's ``Retry-After``) or the doubling
        backoff; give up once a bot had its attempts or a subscription's delivery is older
        than the retry horizon (counted from a redelivery by hand, if any)."""
        settings = self.hub.settings
        delay = min(MAX_BACKOFF, settings.webhook_base_backoff * 2 ** (delivery.attempts - 1))
        if wait is not None:
            delay = max(wait, 0.0)
        due = now() + dt.timedelta(seconds=delay)
        if delivery.target == "bot":
            given_up = delivery.attempts >= settings.bot_max_attempts
        else:
            began = delivery.redelivered_at or delivery.created_at
            horizon = _aware(began) + dt.timedelta(hours=settings.webhook_retry_hours)
            given_up = now() > horizon or due > horizon
        if given_up:
            await self._finish(delivery, "failed", attempt)
            await self._hand_over(delivery)
            return
        await store.retry_delivery(delivery, self.owner, attempt, due, LOG_KEPT)


@dataclass(frozen=True)
class Answer:
    """What a receiver answered: its status, the start of its body, its ``Retry-After``."""

    status: int
    excerpt: str
    retry_after: float | None


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, (_aware(at) - now()).total_seconds())


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


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
