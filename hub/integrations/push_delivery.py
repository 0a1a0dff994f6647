"""Sending Web Push (RFC 8030) to the users' devices: claimed with a lease, retried with backoff.

Each stored push (``hub.store.push``) is claimed like a webhook delivery, so two
``parley serve`` on one database send it once. The payload is encrypted to the device's
keys with ``aes128gcm`` (RFC 8291) by pywebpush's ``WebPusher.encode`` (on ``http_ece``),
and signed with the hub's VAPID key (RFC 8292) by py_vapid: a JWT whose ``aud`` is the
push service's origin and whose ``exp`` is 12 hours ahead. The request itself goes
through the hub's shared async client (``hub.http``), not pywebpush's ``requests`` call:
that client carries the outbound guard at connect time, and an ``await`` costs no thread
per push while a slow push service keeps a request open (webhooks and pages never wait
on it: the worker runs its pushes in their own tasks, up to ``CONCURRENCY``).

A ``404``/``410`` deletes the device; a ``429`` or ``5xx`` (or no answer) is tried again
after the service's ``Retry-After`` or a doubling backoff, on the hub's clock, at most
``MAX_ATTEMPTS`` times; any other answer drops the push.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid02
from pywebpush import WebPusher

from hub.contract import now
from hub.integrations import vapid
from hub.integrations.event_delivery import retry_after
from hub.models.push import PushDelivery, PushSubscription
from hub.pipeline.claims import ClaimLoop
from hub.store import push as store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
LEASE_SECONDS = 60.0
REQUEST_TIMEOUT = 15.0
IDLE_POLL = 5.0
CONCURRENCY = 8
#: Tries of one push before it is dropped: a notification hours late is no use.
MAX_ATTEMPTS = 6
BASE_BACKOFF = 5.0
MAX_BACKOFF = 900.0
#: How long the push service keeps a push for a device that is offline (seconds).
TTL_SECONDS = 4 * 3600
JWT_HOURS = 12


def origin(endpoint: str) -> str:
    """The push service's origin, the JWT's ``aud``: scheme, host and port."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def subject(public_url: str) -> str:
    """The JWT's ``sub``: the hub's own https URL, or a mailto: at its host."""
    if public_url.startswith("https://"):
        return public_url.rstrip("/")
    return f"mailto:parley@{urlsplit(public_url).hostname or 'localhost'}"


def request_of(
    keys: Vapid02, device: PushSubscription, payload: str, public_url: str
) -> tuple[dict[str, str], bytes]:
    """The headers and encrypted body of one push to ``device``."""
    info = {"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}}
    body = cast(bytes, WebPusher(info).encode(payload.encode(), "aes128gcm")["body"])
    claims = {
        "aud": origin(device.endpoint),
        "sub": subject(public_url),
        "exp": int(time.time()) + JWT_HOURS * 3600,  # wall clock: the push service's check
    }
    headers = {str(k): str(v) for k, v in cast(dict[str, str], keys.sign(claims)).items()}
    headers.update(
        {
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "high",
        }
    )
    return headers, body


class PushWorker(ClaimLoop[PushDelivery]):
    """Claims due pushes and sends them; one per ``parley serve`` process."""

    name = "push-delivery"

    def __init__(self, hub: Hub, concurrency: int = CONCURRENCY) -> None:
        super().__init__(concurrency)
        self.hub = hub

    def idle_poll(self) -> float:
        return IDLE_POLL

    async def next_due(self) -> dt.datetime | None:
        return await store.next_due_all_accounts()

    async def claim(self) -> PushDelivery | None:
        return await store.claim_due_all_accounts(self.owner, dt.timedelta(seconds=LEASE_SECONDS))

    async def process(self, item: PushDelivery) -> None:
        await self.send(item)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("push failed: %r", task.exception())  # the lease runs out; tried again
        self._wake.set()

    async def send(self, push: PushDelivery) -> None:
        """Send one claimed push and settle it: done, device gone, or due again."""
        device = await store.device_of(push)
        if device is None:
            await store.sent(push, self.owner, None)
            return
        keys = vapid.keys(self.hub.settings.data_dir)
        try:
            headers, body = request_of(keys, device, push.payload, self.hub.public_url)
        except Exception as exc:  # keys the browser gave that do not encrypt: drop the device
            log.warning("push to device %s not encrypted: %s", device.id, exc)
            await store.gone(push)
            return
        status: int | None = None
        wait: float | None = None
        try:
            response = await self.hub.http.post(
                device.endpoint, content=body, headers=headers, timeout=REQUEST_TIMEOUT
            )
            status = response.status_code
            wait = retry_after(response.headers.get("retry-after"))
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            log.info("push to %s not sent: %s", origin(device.endpoint), exc)
        if status is not None and 200 <= status < 300:
            await store.sent(push, self.owner, now())
        elif status in (404, 410):
            await store.gone(push)
        elif status is None or status == 429 or status >= 500:
            await self._retry(push, wait)
        else:
            log.warning("push to %s refused: %s", origin(device.endpoint), status)
            await store.sent(push, self.owner, None)

    async def _retry(self, push: PushDelivery, wait: float | None) -> None:
        if push.attempts >= MAX_ATTEMPTS:
            await store.sent(push, self.owner, None)
            return
        delay = min(MAX_BACKOFF, BASE_BACKOFF * 2 ** (push.attempts - 1))
        if wait is not None:
            delay = min(max(wait, 0.0), MAX_BACKOFF)
        await store.retry(push, self.owner, now() + dt.timedelta(seconds=delay))
