"""The hub's services as one object: what views, workers and connectors are handed.

``Hub`` implements the contract's ``HubServices`` for connectors, and carries
the database, media store, registry, realtime watcher and metrics of one app.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.database import AsyncDatabase

from hub.contract import Attachment, ChannelInfo, WebhookResult
from hub.models import Channel
from hub.pipeline import ingest
from hub.pipeline.batch import InsertBatcher
from hub.pipeline.media import MediaStore
from hub.pipeline.metrics import Metrics
from hub.pipeline.realtime import Event, Realtime
from hub.pipeline.registry import Registry
from hub.settings import Settings

CHANNEL_CACHE_SECONDS = 30.0


class Hub:
    def __init__(
        self,
        settings: Settings,
        database: AsyncDatabase,
        http: httpx.AsyncClient,
        connector_classes: dict[str, Any] | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.http = http
        self.public_url = settings.public_url
        self.listen_host = settings.smtp_host
        self.smtp_port = settings.smtp_port
        self.secret_key = settings.secret_key
        self.media = MediaStore(database)
        self.metrics = Metrics()
        self.realtime = Realtime(database)
        #: Group commit of inbound messages (``hub.pipeline.batch``), used by ingest.
        self.message_inserts = InsertBatcher(database["messages"])
        self.registry = Registry(self, connector_classes)
        self._channels: dict[PydanticObjectId, tuple[float, Channel]] = {}
        self._invalidate = self.realtime.subscribe(None, self._drop_cached_channel)

    # ------------------------------------------------------------------ channels

    def _drop_cached_channel(self, event: Event) -> bool:
        if event.type.startswith("channel."):
            self._channels.pop(event.data.get("_id"), None)  # type: ignore[arg-type]
        return False  # never queued: the cache only needs the side effect

    async def channel(self, channel_id: str | PydanticObjectId) -> Channel | None:
        """An active channel by id (any account: the id comes from a provider URL).

        Cached briefly; every process drops its copy on the channel's change event.
        """
        try:
            oid = PydanticObjectId(channel_id)
        except (InvalidId, TypeError, ValueError):
            return None
        cached = self._channels.get(oid)
        if cached is not None and time.monotonic() - cached[0] < CHANNEL_CACHE_SECONDS:
            return cached[1]
        found = await Channel.find_one(Channel.id == oid, Channel.active == True)  # noqa: E712
        if found is not None:
            self._channels[oid] = (time.monotonic(), found)
        return found

    def webhook_url(self, channel: Channel) -> str:
        return f"{self.public_url}/webhooks/{channel.type}/{channel.id}"

    def channel_info(self, channel: Channel) -> ChannelInfo:
        return ChannelInfo(
            id=str(channel.id),
            account_id=str(channel.account_id),
            type=channel.type,
            name=channel.name,
            config=channel.config,
            webhook_url=self.webhook_url(channel),
        )

    # ------------------------------------------------------------------ HubServices

    async def deliver(self, channel: ChannelInfo, result: WebhookResult) -> None:
        stored = await self.channel(channel.id)
        if stored is None:
            raise LookupError(f"channel {channel.id} is not active")
        await ingest.receive(self, stored, result)

    async def channels_of_type(self, type: str) -> list[ChannelInfo]:
        found = await Channel.find(Channel.type == type, Channel.active == True).to_list()  # noqa: E712
        return [self.channel_info(c) for c in found]

    async def store_media(
        self, channel: ChannelInfo, data: bytes, filename: str | None, content_type: str
    ) -> Attachment:
        return await self.media.put(
            PydanticObjectId(channel.account_id), data, filename, content_type
        )

    async def read_media(self, channel: ChannelInfo, attachment_id: str) -> bytes:
        data, _ = await self.media.get(PydanticObjectId(channel.account_id), attachment_id)
        return data
