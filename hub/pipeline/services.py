"""The app's container of services: what views and workers are handed (``app.state.hub``).

Built once per app in ``hub.app`` (the composition root). It holds the
settings, the database, the shared HTTP client, the media store, metrics, the
realtime watcher, the connector registry and the channel resolver. It is not a
locator that the core imports: ingest and the outbox take what they use, and
connectors get only ``connector_services`` (the contract's ``HubServices``).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import httpx
from beanie import PydanticObjectId

from hub import tasks
from hub.contract import ChannelInfo, Connector, JsonObject
from hub.models import AuditEvent, Channel, Conversation, Message
from hub.pipeline.channel_secrets import Cipher, fields_of
from hub.pipeline.channels import ChannelResolver, ResolvedChannel
from hub.pipeline.connector_services import ConnectorServices
from hub.pipeline.metrics import Metrics
from hub.pipeline.realtime import Realtime
from hub.pipeline.registry import Registry
from hub.pipeline.rules import BasicRules, ConversationRules
from hub.settings import Settings
from hub.store.answered import Answered
from hub.store.audit import audit_inserts
from hub.store.batch import InsertBatcher, message_inserts
from hub.store.database import Database
from hub.store.media import MediaStore
from hub.store.ratelimits import RateHits
from hub.store.send_results import SentResults
from hub.store.status_batch import StatusBatcher


class HandOff(Protocol):
    """What ``hub.pipeline.outbox.enqueue`` needs of the process's running dispatcher
    (``hub.pipeline.dispatcher.Dispatcher``) to hand it a reply without a claim."""

    owner: str

    def reserve(self, channel_id: PydanticObjectId) -> dt.datetime | None: ...

    def release(self, channel_id: PydanticObjectId) -> None: ...

    def hand(self, message: Message, conversation: Conversation) -> None: ...


class Hub:
    """One app's services. Views read ``request.app.state.hub``; workers are given it."""

    def __init__(
        self,
        settings: Settings,
        database: Database,
        http: httpx.AsyncClient,
        connector_classes: dict[str, type[Connector]] | None = None,
    ) -> None:
        self.settings = settings
        self.database = database
        self.http = http
        self.public_url = settings.public_url
        self.secret_key = settings.secret_key
        self.listen_host = settings.smtp_host
        self.smtp_port = settings.smtp_port
        self.smtp_tls_cert = settings.smtp_tls_cert
        self.smtp_tls_key = settings.smtp_tls_key
        self.smtp_max_connections_per_client = settings.smtp_max_connections_per_client
        self.media = MediaStore(database)
        self.metrics = Metrics()
        self.realtime = Realtime(database)
        #: Seals and opens channel secrets (``hub.pipeline.channel_secrets``).
        self.cipher = Cipher(
            settings.secret_key or "insecure-test-key", settings.previous_secret_key
        )
        self.connector_services = ConnectorServices(settings, http, self)
        self.registry = Registry(self.connector_services, connector_classes)
        self.channels = ChannelResolver(
            self.registry, settings.public_url, self.realtime, self.cipher.open_config
        )
        self.connector_services.bind(self.channels)
        #: The conversation rules ingest and the outbox apply; the app injects the contact
        #: centre's (``hub.centre.rules.CentreRules``), a bare hub applies the basic ones.
        self.rules: ConversationRules = BasicRules()
        #: Work that runs after a request was answered (number look-ups).
        self.background = tasks.Background()
        #: Group commit of inbound messages (``hub.store.batch``), used by ingest.
        self.message_inserts: InsertBatcher[Message] = message_inserts(database)
        #: Group commit of delivery status reports (``hub.store.status_batch``).
        self.status_updates = StatusBatcher()
        #: Group commit of the dispatcher's "sent" outcomes (``hub.store.send_results``).
        self.send_results = SentResults()
        #: Group commit of the API's write audit events (``hub.api.write_audit``).
        self.audit_inserts: InsertBatcher[AuditEvent] = audit_inserts(database)
        #: Group commit of replies' conversation updates (``hub.store.answered``).
        self.answered = Answered()
        #: The API's rate-limit hits of concurrent requests, counted together.
        self.rate_hits = RateHits()
        #: This process's running dispatcher, to which ``outbox.enqueue`` hands the replies
        #: it stores (set by ``Dispatcher.start``; None without workers).
        self.outbox_sender: HandOff | None = None

    async def resolve(self, channel_id: str | PydanticObjectId | None) -> ResolvedChannel | None:
        """The active channel with this id with its connector, capabilities and info."""
        return await self.channels.resolve(channel_id)

    async def channel(self, channel_id: str | PydanticObjectId | None) -> Channel | None:
        """An active channel's document by id (any account: check the account yourself)."""
        return await self.channels.document(channel_id)

    def sealed_config(self, type: str, config: JsonObject) -> JsonObject:
        """``config`` as it is stored: the connector's secret fields sealed."""
        return self.cipher.seal_config(config, fields_of(self.registry, type))

    def opened(self, channel: Channel) -> Channel:
        """A copy of ``channel`` with its secrets opened; never save it."""
        opened: Channel = channel.model_copy(
            update={"config": self.cipher.open_config(channel.config)}
        )
        return opened

    def webhook_url(self, channel: Channel) -> str:
        return self.channels.webhook_url(channel)

    def channel_info(self, channel: Channel) -> ChannelInfo:
        return self.channels.info(channel)
