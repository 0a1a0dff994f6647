"""The channel resolver: a channel id into everything the pipeline needs, once, then passed down.

``ChannelResolver.resolve(id)`` reads an active channel (briefly cached; every
process drops its copy on the channel's change event) and answers a
``ResolvedChannel``: the stored document, its connector, its capabilities and
the ``ChannelInfo`` the connector is handed. Ingest, the outbox, the webhook
routes and the views take the resolved channel instead of looking the
connector and the info up again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from beanie import PydanticObjectId

from hub.contract import Capabilities, ChannelInfo, Connector, JsonObject
from hub.models import Channel
from hub.pipeline.realtime import Event, Realtime
from hub.pipeline.registry import Registry, UnknownConnector
from hub.store import channels
from hub.store.ids import try_id

CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class ResolvedChannel:
    """One channel with its connector, capabilities and connector-side view."""

    document: Channel
    connector: Connector
    info: ChannelInfo
    capabilities: Capabilities

    @property
    def id(self) -> PydanticObjectId:
        assert self.document.id is not None
        return self.document.id

    @property
    def account_id(self) -> PydanticObjectId:
        return self.document.account_id

    @property
    def type(self) -> str:
        return self.document.type

    @property
    def threaded(self) -> bool:
        """A conversation per thread (email), not one running one per contact."""
        return self.capabilities.threading == "thread"


class ChannelResolver:
    """Resolves channels for one app; the only place that pairs a channel with its connector."""

    def __init__(
        self,
        registry: Registry,
        public_url: str,
        realtime: Realtime,
        open_config: Callable[[JsonObject], JsonObject] | None = None,
    ) -> None:
        self.registry = registry
        self.public_url = public_url
        #: Opens a stored config's sealed secrets (``channel_secrets.Cipher.open_config``):
        #: a connector always sees plain values; the stored document keeps them sealed.
        self.open_config = open_config or (lambda config: config)
        self._cache: dict[PydanticObjectId, tuple[float, Channel]] = {}
        self._subscription = realtime.subscribe(None, self._drop_cached)

    def _drop_cached(self, event: Event) -> bool:
        if event.type.startswith("channel."):
            self._cache.pop(event.data.get("_id"), None)  # type: ignore[arg-type]
        return False  # never queued: the cache only needs the side effect

    def forget(self, channel_id: PydanticObjectId | None) -> None:
        """Drop a cached copy at once (this process saved the channel)."""
        if channel_id is not None:
            self._cache.pop(channel_id, None)

    async def document(self, channel_id: str | PydanticObjectId | None) -> Channel | None:
        """An active channel by id (any account: the id may come from a provider URL)."""
        oid = try_id(channel_id)
        if oid is None:
            return None
        cached = self._cache.get(oid)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        found = await channels.active_channel_any_account(oid)
        if found is not None:
            self._cache[oid] = (time.monotonic(), found)
        return found

    async def resolve(self, channel_id: str | PydanticObjectId | None) -> ResolvedChannel | None:
        """The active channel with this id, resolved; None if there is none or no connector."""
        channel = await self.document(channel_id)
        if channel is None:
            return None
        try:
            return self.of(channel)
        except UnknownConnector:
            return None

    def of(self, channel: Channel) -> ResolvedChannel:
        """Resolve a channel document in hand. Raises ``UnknownConnector``."""
        connector = self.registry.get(channel.type)
        info = self.info(channel)
        return ResolvedChannel(channel, connector, info, connector.capabilities_for(info))

    def webhook_url(self, channel: Channel) -> str:
        """Where the provider posts this channel's events (and status callbacks)."""
        return f"{self.public_url}/webhooks/{channel.type}/{channel.id}"

    def info(self, channel: Channel) -> ChannelInfo:
        """The channel as its connector sees it (its secrets opened)."""
        return ChannelInfo(
            id=str(channel.id),
            account_id=str(channel.account_id),
            type=channel.type,
            name=channel.name,
            config=self.open_config(channel.config),
            webhook_url=self.webhook_url(channel),
        )

    async def of_type(self, type: str) -> list[ChannelInfo]:
        """Every active channel of a connector type, across accounts (for listeners)."""
        found = await channels.active_channels_of_type_all_accounts(type)
        return [self.info(c) for c in found]
