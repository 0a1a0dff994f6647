"""``HubServices``: the narrow services the hub gives a connector (injected at start-up)."""

from __future__ import annotations

from typing import Protocol

import httpx

from hub.contract.addresses import Address
from hub.contract.messages import Attachment, ChannelInfo, WebhookResult


class HubServices(Protocol):
    """What the hub offers a connector. Given to the connector's constructor."""

    #: The app's one outgoing HTTP client; tests intercept it with pytest-httpx.
    http: httpx.AsyncClient
    #: The public base URL providers call back (``PARLEY_PUBLIC_URL``), no trailing slash.
    public_url: str
    #: Where listeners bind (``PARLEY_SMTP_HOST``, default 127.0.0.1) and the SMTP port.
    listen_host: str
    smtp_port: int
    #: Inbound SMTP: STARTTLS certificate and key files (None: no STARTTLS), and the
    #: connections one client address may hold at once.
    smtp_tls_cert: str | None
    smtp_tls_key: str | None
    smtp_max_connections_per_client: int
    #: The operator's directory of CA files channels may name (``PARLEY_CA_DIR``); None: none.
    ca_dir: str | None
    #: A secret of this installation (``PARLEY_SECRET_KEY``) for signing tokens.
    secret_key: str

    async def deliver(self, channel: ChannelInfo, result: WebhookResult) -> None:
        """Store inbound events that did not come through the webhook route (SMTP, widget)."""

    async def find_or_create_contact(self, channel: ChannelInfo, address: Address) -> str:
        """The id of the channel's account's contact with ``address``, created on first sight."""

    async def channels_of_type(self, type: str) -> list[ChannelInfo]:
        """All active channels of a connector type, across accounts (for listeners)."""

    async def store_media(
        self, channel: ChannelInfo, data: bytes, filename: str | None, content_type: str
    ) -> Attachment:
        """Keep media bytes for the channel's account; returns the stored attachment."""

    async def read_media(self, channel: ChannelInfo, attachment_id: str) -> bytes:
        """The bytes of an attachment of the channel's account (for outbound sends)."""

    async def outbound_address(self, host: str, port: int) -> str:
        """The address to connect to for an account-supplied ``host`` (a connector that opens
        its own connections, such as SMTP, calls this right before connecting): resolved now
        and checked against the hub's outbound policy. Raises ``PermanentSendError``
        (``outbound_refused``) for loopback, private, link-local or metadata addresses in any
        spelling, ``RetryableSendError`` when the name does not resolve."""
