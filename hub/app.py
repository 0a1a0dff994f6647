"""The application: ``create_app(settings)`` assembles routes, services and workers.

This is the composition root: the one place that knows every part. The hub's
core modules (ingest, outbox, realtime…) import none of the views.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from hub import admin, db, health, inbox, wallboard
from hub.api import errors as api_errors
from hub.api import mount as api_mount
from hub.centre.callbacks.offer import CallbackOfferWorker
from hub.centre.routing.calendars import CalendarPoller
from hub.centre.rules import CentreRules
from hub.centre.ticker import CentreTicker
from hub.centre.timers import Timers
from hub.contract import Connector
from hub.intake import webhooks
from hub.integrations.bots import BotWatch
from hub.integrations.event_delivery import DeliveryWorker
from hub.integrations.event_webhooks import EventFanOut
from hub.pipeline import outbound
from hub.pipeline.channel_secrets import seal_stored
from hub.pipeline.housekeeping import Housekeeper
from hub.pipeline.outbox import Dispatcher
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants.retention import RetentionLoop

log = logging.getLogger(__name__)


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
    state: dict[str, Any] = {}
    outbound.configure(settings.outbound_allow)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        client = db.connect(settings.mongodb_uri or "")
        database = await db.init(client, settings.database)
        own_http = http is None
        http_client = http or outbound.guarded_client()
        hub = Hub(settings, database, http_client, connectors)
        hub.rules = CentreRules(hub)
        sealed = await seal_stored(hub.cipher, hub.registry, plain_only=True)
        if sealed["secrets"]:
            log.info("sealed %s plain channel secrets at rest", sealed["secrets"])
        app.state.hub = hub
        extra = [route for connector in hub.registry.all() for route in connector.routes()]
        app.router.routes.extend(extra)
        await hub.realtime.start()
        dispatcher = Dispatcher(hub)
        housekeeper = Housekeeper()
        deliveries = DeliveryWorker(hub)
        fan_out = EventFanOut(hub, deliveries.wake)
        bot_watch = BotWatch(hub)
        callback_offers = CallbackOfferWorker(hub)
        retention = RetentionLoop(hub)
        ticker = CentreTicker(settings.centre_tick_seconds)
        poller = CalendarPoller(http_client, settings.calendar_poll_seconds)
        timers = Timers(hub)  # SLA breaches and due CSAT surveys
        started: list[Connector] = []
        if settings.run_workers:
            await dispatcher.start()
            await housekeeper.start()
            await deliveries.start()
            await fan_out.start()
            await bot_watch.start()
            await callback_offers.start()
            await retention.start()
            await ticker.start()
            await poller.start()
            await timers.start()
            for connector in hub.registry.all():
                await connector.start()
                started.append(connector)
        state["dispatcher"] = dispatcher
        state["webhook_deliveries"] = deliveries
        state["retention"] = retention
        try:
            yield
        finally:
            for connector in started:
                await connector.stop()
            await dispatcher.stop()
            await housekeeper.stop()
            await bot_watch.stop()
            await callback_offers.stop()
            await retention.stop()
            await ticker.stop()
            await poller.stop()
            await hub.background.stop()
            await timers.stop()
            await fan_out.stop()
            await deliveries.stop()
            await hub.realtime.stop()
            for route in extra:
                app.router.routes.remove(route)
            if own_http:
                await http_client.aclose()
            await db.release(client)

    app = Starlette(
        routes=_routes(),
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.secret_key or "insecure-test-key",
                session_cookie="parley_session",
                max_age=settings.session_max_age,
                same_site="lax",
                https_only=settings.public_url.startswith("https://"),
            )
        ],
        exception_handlers={exc: api_errors.handle for exc in api_errors.HANDLED},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.workers = state
    return app


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
        Mount("/static", StaticFiles(packages=[("hub", "static")]), name="static"),
    ]
    return routes
