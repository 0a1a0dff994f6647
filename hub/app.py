"""The application: ``create_app(settings)`` assembles routes, services and workers.

This is the composition root: the one place that knows every part. The hub's
core modules (ingest, outbox, realtime…) import none of the views.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette_compress import CompressMiddleware, remove_compress_type

from hub import admin, db, health, inbox, wallboard
from hub.api import errors as api_errors
from hub.api import mount as api_mount
from hub.centre.callbacks.offer import CallbackOfferWorker
from hub.centre.routing.calendars import CalendarPoller
from hub.centre.routing.presence import HEARTBEAT_SECONDS, Liveness
from hub.centre.routing.queue_order import QueueOrders
from hub.centre.rules import CentreRules
from hub.centre.ticker import CentreTicker
from hub.centre.timers import Timers
from hub.contract import Connector
from hub.inbox import events
from hub.inbox.push_events import PushFanOut
from hub.intake import webhooks
from hub.integrations.bots import BotWatch
from hub.integrations.event_delivery import DeliveryWorker
from hub.integrations.event_webhooks import EventFanOut
from hub.integrations.push_delivery import PushWorker
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import seal_signing_secrets, seal_stored
from hub.pipeline.housekeeping import Housekeeper
from hub.pipeline.outbox import Dispatcher
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tasks import Periodic, Worker
from hub.tenants.retention import RetentionLoop
from hub.web import fallback
from hub.web.hsts import HstsMiddleware
from hub.web.static import CachedStatic

log = logging.getLogger(__name__)
Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def create_app(
    settings: Settings,
    *,
    connectors: dict[str, type[Connector]] | None = None,
    http: httpx.AsyncClient | None = None,
) -> Starlette:
    """Build the hub for ``settings`` (``mongodb_uri`` must be set: see ``hub.ops.cli``).

    ``connectors`` replaces the installed connector set (tests); ``http`` replaces
    the shared outgoing client (by default ``outbound.guarded_client``).
    """
    if not settings.mongodb_uri:
        raise ValueError("settings.mongodb_uri is required (parley serve starts the embedded one)")
    outbound.configure(settings.outbound_allow)
    workers: dict[str, Periodic] = {}  # the ones views reach (a redelivery wakes its worker)
    app = Starlette(
        routes=_routes(),
        middleware=_middleware(settings),
        exception_handlers={
            **{exc: api_errors.handle for exc in api_errors.HANDLED},
            404: fallback.not_found,
            500: fallback.server_error,
        },
        lifespan=_lifespan(settings, connectors, http, workers),
    )
    app.state.settings = settings
    app.state.workers = workers
    return app


def _middleware(settings: Settings) -> list[Middleware]:
    session = Middleware(
        SessionMiddleware,
        secret_key=settings.secret_key or "insecure-test-key",
        session_cookie="parley_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    # Pages, scripts and JSON go out compressed (zstd, br or gzip, as the browser accepts);
    # live streams do not: a compressor per open stream costs memory for a few bytes saved.
    remove_compress_type("text/event-stream")
    middleware = [Middleware(CompressMiddleware)]
    if settings.public_url.startswith("https://"):
        middleware.append(Middleware(HstsMiddleware))
    return [*middleware, session]


def _lifespan(
    settings: Settings,
    connectors: dict[str, type[Connector]] | None,
    http: httpx.AsyncClient | None,
    workers: dict[str, Periodic],
) -> Lifespan:
    """Open the database and the hub, run the tasks of ``_tasks``; undo it all at shutdown."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client = db.connect(settings.mongodb_uri or "")
        http_client = http or outbound.guarded_client()
        hub = Hub(settings, await db.init(client, settings.database), http_client, connectors)
        await _prepare(hub)
        app.state.hub = hub
        app.state.liveness = liveness = Liveness()
        app.state.queue_orders = orders = QueueOrders()
        hub.realtime.listen(None, orders.changed)
        extra = [route for connector in hub.registry.all() for route in connector.routes()]
        app.router.routes.extend(extra)
        started: list[Worker] = []
        try:
            renew = Periodic("stream-leases", liveness.renew, HEARTBEAT_SECONDS, first="later")
            for task in [renew, *_tasks(hub, http_client, workers)]:
                await task.start()
                started.append(task)
            yield
        finally:
            events.rooms_of(hub).close_all()  # open inbox streams end at once
            for task in reversed(started):
                await task.stop()
            for route in extra:
                app.router.routes.remove(route)
            if http is None:
                await http_client.aclose()
            await db.release(client)

    return lifespan


async def _prepare(hub: Hub) -> None:
    """Give the hub the contact centre's rules, and seal every channel secret still plain."""
    hub.rules = CentreRules(hub)
    sealed = await seal_stored(hub.cipher, hub.registry, plain_only=True)
    if sealed["secrets"]:
        log.info("sealed %s plain channel secrets at rest", sealed["secrets"])
    signing = await seal_signing_secrets(hub.cipher, plain_only=True)
    if signing["signing_secrets"]:
        log.info("sealed %s plain signing secrets at rest", signing["signing_secrets"])


def _tasks(hub: Hub, http: httpx.AsyncClient, workers: dict[str, Periodic]) -> list[Worker]:
    """What the app runs, in the order it starts them (it stops them in reverse).

    The change stream and the fire-and-forget work always run; the workers and the
    connectors' listeners only with ``Settings.run_workers``.
    """
    always: list[Worker] = [hub.realtime, hub.background]
    settings = hub.settings
    if not settings.run_workers:
        return always
    deliveries, pushes = DeliveryWorker(hub), PushWorker(hub)
    workers.update(
        dispatcher=Dispatcher(hub),
        webhook_deliveries=deliveries,
        push_deliveries=pushes,
        retention=RetentionLoop(hub),
    )
    return [
        *always,
        workers["dispatcher"],
        Housekeeper(hub.rules),
        deliveries,
        EventFanOut(hub, deliveries.wake),
        pushes,
        PushFanOut(hub, pushes.wake),  # Web Push to the users' devices
        BotWatch(hub),
        CallbackOfferWorker(hub),
        workers["retention"],
        CentreTicker(settings.centre_tick_seconds),
        CalendarPoller(http, settings.calendar_poll_seconds),
        Timers(hub),  # SLA breaches and due CSAT surveys
        *hub.registry.all(),  # their listeners (an SMTP server)
    ]


async def _to_inbox(request: Request) -> Response:
    return RedirectResponse("/inbox", status_code=303)


def _routes() -> list[BaseRoute]:
    """The hub's own routes; each connector's ``routes()`` join them at start-up."""
    routes: list[BaseRoute] = [
        *health.routes,
        *webhooks.routes,
        api_mount(),
        *inbox.routes(),
        *wallboard.routes(),
        *admin.routes(),
        Route("/", _to_inbox, methods=["GET"]),
        Route("/favicon.ico", fallback.favicon, methods=["GET"]),
        Mount("/static", CachedStatic(), name="static"),
    ]
    return routes
