"""The app's container of services: what views and workers are handed (``app.state.hub``).

Built once per app in ``hub.app`` (the composition root). It holds the
settings, the database, the shared HTTP client, the media store, metrics, the
realtime watcher, the connector registry and the channel resolver. It is not a
locator that the core imports: ingest and the outbox take what they use, and
connectors get only ``connector_services`` (the contract's ``HubServices``).
"""

from __future__ import annotations

from typing import Any

import httpx
from bson import ObjectId
from pymongo.asynchronous.database import AsyncDatabase

from hub.contract import ChannelInfo
from hub.models import Channel
from hub.pipeline.channels import ChannelResolver, ResolvedChannel
from hub.pipeline.connector_services import ConnectorServices
from hub.pipeline.media import MediaStore
from hub.pipeline.metrics import Metrics
from hub.pipeline.realtime import Realtime
from hub.pipeline.registry import Registry
from hub.settings import Settings


class Hub:
    """One app's services. Views read ``request.app.state.hub``; workers are given it."""

    def __init__(
        self,
        settings: Settings,
        database: AsyncDatabase[Any],
        http: httpx.AsyncClient,
        connector_classes: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.http = http
        self.public_url = settings.public_url
        self.secret_key = settings.secret_key
        self.listen_host = settings.smtp_host
        self.smtp_port = settings.smtp_port
        self.media = MediaStore(database)
        self.metrics = Metrics()
        self.realtime = Realtime(database)
        self.connector_services = ConnectorServices(settings, http, self)
        self.registry = Registry(self.connector_services, connector_classes)
        self.channels = ChannelResolver(self.registry, settings.public_url, self.realtime)
        self.connector_services.bind(self.channels)

    async def resolve(self, channel_id: str | ObjectId | None) -> ResolvedChannel | None:
        """The active channel with this id with its connector, capabilities and info."""
        return await self.channels.resolve(channel_id)

    async def channel(self, channel_id: str | ObjectId | None) -> Channel | None:
        """An active channel's document by id (any account: check the account yourself)."""
        return await self.channels.document(channel_id)

    def webhook_url(self, channel: Channel) -> str:
        return self.channels.webhook_url(channel)

    def channel_info(self, channel: Channel) -> ChannelInfo:
        return self.channels.info(channel)
