"""``ConnectorServices``: the contract's ``HubServices``, the only hub object a connector holds.

Built once per app by ``hub.pipeline.services.Hub`` and injected into every
connector through the registry. It offers the narrow services of the contract
(the shared HTTP client, inbound delivery, media, contacts, channel listings)
and nothing else of the hub.
"""

from __future__ import annotations

import httpx
from beanie import PydanticObjectId

from hub.contract import (
    Address,
    Attachment,
    ChannelInfo,
    PermanentSendError,
    RetryableSendError,
    WebhookResult,
)
from hub.pipeline import ingest, outbound
from hub.pipeline.channels import ChannelResolver
from hub.settings import Settings
from hub.store.contacts import find_or_create_contact


class ConnectorServices:
    """What the hub offers connectors (``hub.contract.HubServices``)."""

    def __init__(
        self, settings: Settings, http: httpx.AsyncClient, pipeline: ingest.IngestServices
    ) -> None:
        self.http = http
        self.public_url = settings.public_url
        self.listen_host = settings.smtp_host
        self.smtp_port = settings.smtp_port
        self.smtp_tls_cert = settings.smtp_tls_cert
        self.smtp_tls_key = settings.smtp_tls_key
        self.smtp_max_connections_per_client = settings.smtp_max_connections_per_client
        self.ca_dir = str(settings.ca_dir) if settings.ca_dir is not None else None
        self.secret_key = settings.secret_key
        self._pipeline = pipeline
        self._channels: ChannelResolver | None = None

    def bind(self, channels: ChannelResolver) -> None:
        """Give the services the app's channel resolver (built after the registry)."""
        self._channels = channels

    @property
    def channels(self) -> ChannelResolver:
        assert self._channels is not None, "ConnectorServices.bind was not called"
        return self._channels

    async def deliver(self, channel: ChannelInfo, result: WebhookResult) -> None:
        resolved = await self.channels.resolve(channel.id)
        if resolved is None:
            raise LookupError(f"channel {channel.id} is not active")
        await ingest.receive(self._pipeline, resolved, result)

    async def find_or_create_contact(self, channel: ChannelInfo, address: Address) -> str:
        contact = await find_or_create_contact(PydanticObjectId(channel.account_id), address)
        return str(contact.id)

    async def channels_of_type(self, type: str) -> list[ChannelInfo]:
        return await self.channels.of_type(type)

    async def store_media(
        self, channel: ChannelInfo, data: bytes, filename: str | None, content_type: str
    ) -> Attachment:
        return await self._pipeline.media.put(
            PydanticObjectId(channel.account_id), data, filename, content_type
        )

    async def read_media(self, channel: ChannelInfo, attachment_id: str) -> bytes:
        data, _ = await self._pipeline.media.get(
            PydanticObjectId(channel.account_id), attachment_id
        )
        return data

    async def outbound_address(self, host: str, port: int) -> str:
        try:
            return await outbound.connect_address(host, port)
        except outbound.OutboundRefused as exc:
            raise PermanentSendError("outbound_refused", exc.message) from None
        except OSError as exc:
            raise RetryableSendError("host_unresolved", str(exc)) from None
