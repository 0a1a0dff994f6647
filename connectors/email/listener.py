"""The embedded SMTP listener: mail for our channels' addresses in, stored before we say 250.

An aiosmtpd ``SMTP`` protocol served on the app's own event loop (aiosmtpd's
``Controller`` runs its own thread and cannot bind port 0). Recipients are
checked at RCPT time against the addresses of active email channels, so mail
for anyone else is refused there (550) instead of bounced later; the SIZE
limit is advertised and enforced (552). After DATA the message is parsed and
handed to the hub, and only a durable write earns the 250: on a storage error
the client gets a 451 and tries again later, as SMTP clients do.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from hub.contract import ChannelInfo, HubServices, MalformedRequest

from .parse import parse_for_channel

log = logging.getLogger(__name__)

#: How long the address → channel table is trusted before it is read again.
CHANNELS_TTL = 5.0
MISS_REFRESH = 1.0
MAX_RECIPIENTS = 50


class ChannelDirectory:
    """Active email channels by address, read from the hub and cached briefly."""

    def __init__(self, hub: HubServices) -> None:
        self.hub = hub
        self._by_address: dict[str, ChannelInfo] = {}
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def find(self, address: str) -> ChannelInfo | None:
        key = address.strip().strip("<>").lower()
        local, at, domain = key.rpartition("@")
        if "+" in local:  # plus-addressing: support+orders@ is support@'s mail
            key = f"{local.split('+', 1)[0]}{at}{domain}"
        async with self._lock:
            age = time.monotonic() - self._read_at
            # A miss may be a channel added a moment ago, but a flood of unknown
            # recipients must not turn into a flood of queries: at most one a second.
            if age > CHANNELS_TTL or (key not in self._by_address and age > MISS_REFRESH):
                await self._refresh()
        return self._by_address.get(key)

    async def _refresh(self) -> None:
        channels = await self.hub.channels_of_type("email")
        table: dict[str, ChannelInfo] = {}
        # One address, one channel: if two accounts claim the same address, the channel
        # created first keeps it (ObjectIds grow with time), so nobody can take over
        # another account's mail by configuring its address.
        for channel in sorted(channels, key=lambda c: c.id):
            address = str(channel.config.get("address", "")).lower()
            if address:
                table.setdefault(address, channel)
        self._by_address = table
        self._read_at = time.monotonic()


class InboundHandler:
    """aiosmtpd hooks: RCPT checks the directory, DATA parses and delivers."""

    def __init__(self, hub: HubServices, directory: ChannelDirectory) -> None:
        self.hub = hub
        self.directory = directory

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            channel = await self.directory.find(address)
        except Exception:  # the database is away: a temporary failure, the client retries
            log.exception("smtp: channel lookup failed")
            return "451 4.3.0 Temporary failure, try again later"
        if channel is None:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        _accepted(envelope)[channel.id] = channel
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail_from = envelope.mail_from
        envelope_from = "" if mail_from in ("", "<>") else mail_from
        # The channels accepted at RCPT time (one mail to two addresses of one channel
        # is stored once); a later failure answers 451 and the retry is deduplicated.
        for channel in _accepted(envelope).values():
            answer = await self._deliver(channel, raw, envelope_from)
            if answer is not None:
                return answer
        return "250 2.0.0 OK: message stored"

    async def _deliver(
        self, channel: ChannelInfo, raw: bytes, envelope_from: str | None
    ) -> str | None:
        """Store the mail for one channel; an SMTP error answer, or None when stored."""
        try:
            # Parsed per channel (ingest may annotate the result it is given), in a
            # thread: a big mail takes a while to parse and clean.
            result = await asyncio.to_thread(parse_for_channel, raw, channel, envelope_from)
        except MalformedRequest as exc:
            return f"550 5.6.0 Message not accepted: {exc}"
        except Exception:  # our bug, not the sender's: keep the mail coming back
            log.exception("smtp: mail for channel %s not parsed", channel.id)
            return "451 4.3.0 Message not processed, try again later"
        try:
            await self.hub.deliver(channel, result)
        except LookupError:
            return "550 5.1.1 Mailbox unavailable"
        except Exception:
            log.exception("smtp: mail for channel %s not stored", channel.id)
            return "451 4.3.0 Message not stored, try again later"
        return None


def _accepted(envelope: Envelope) -> dict[str, ChannelInfo]:
    """The channels of this envelope's accepted recipients, by id (kept on the envelope)."""
    found: dict[str, ChannelInfo] | None = getattr(envelope, "parley_channels", None)
    if found is None:
        found = {}
        envelope.parley_channels = found  # type: ignore[attr-defined]
    return found


class SmtpListener:
    """Runs the SMTP server on the hub's listen host and SMTP port."""

    def __init__(self, hub: HubServices, max_message_bytes: int) -> None:
        self.hub = hub
        self.max_message_bytes = max_message_bytes
        self.directory = ChannelDirectory(hub)
        self.handler = InboundHandler(hub, self.directory)
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[asyncio.BaseTransport] = set()
        self.hostname = "localhost"

    def _protocol(self) -> SMTP:
        return _TrackedSMTP(
            self.handler,
            self._connections,
            data_size_limit=self.max_message_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=self.hostname,
            ident="Parley ESMTP",
        )

    async def start(self) -> None:
        # aiosmtpd would call getfqdn() (a DNS lookup) in the loop for every connection.
        self.hostname = await asyncio.to_thread(socket.getfqdn)
        loop = asyncio.get_running_loop()
        # SO_REUSEPORT: several `parley serve` processes on one host share the port (the
        # kernel spreads connections), as they share everything else through the database.
        self._server = await loop.create_server(
            self._protocol,
            host=self.hub.listen_host,
            port=self.hub.smtp_port,
            reuse_port=hasattr(socket, "SO_REUSEPORT"),
        )
        log.info("smtp: listening on %s:%s", self.hub.listen_host, self.hub.smtp_port)

    @property
    def port(self) -> int:
        sockets = getattr(self._server, "sockets", None)  # an asyncio.Server's
        assert sockets
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for transport in list(self._connections):
            transport.close()
        await asyncio.wait_for(self._server.wait_closed(), timeout=5)
        self._server = None


class _TrackedSMTP(SMTP):
    """aiosmtpd's protocol, remembering its transport so ``stop`` can close it."""

    #: RFC 5321 says 1000 octets a line, but real senders (HTML newsletters, some
    #: webmailers) send longer ones; refusing their mail helps nobody.
    line_length_limit = 64 * 1024

    def __init__(
        self, handler: Any, connections: set[asyncio.BaseTransport], **kwargs: Any
    ) -> None:
        super().__init__(handler, **kwargs)
        self._tracked = connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._tracked.add(transport)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        if self.transport is not None:
            self._tracked.discard(self.transport)
        super().connection_lost(error)
