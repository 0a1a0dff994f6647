"""The outbound request guard: account-supplied URLs may not reach the hub's own networks.

Every URL an account gives the hub (event webhooks, bots, number look-up,
calendars, a connector's ``api_base_url``) is checked twice:

- when it is saved, ``check_url`` (or ``check_url_async`` from async code)
  refuses it with ``OutboundRefused`` (answered 400) when it is not http(s) or
  its host is, or resolves to, a loopback, private, link-local, metadata or
  other non-public address;
- when the hub connects, the shared HTTP client (``guarded_client``) resolves
  the host itself, refuses forbidden addresses and connects to the address it
  checked, so a name that resolves differently later (DNS rebinding) cannot
  get around the first check. A refused connection is an ``httpx.ConnectError``
  whose message starts with ``outbound_refused``: deliveries fail with it.

``PARLEY_OUTBOUND_ALLOW`` (comma-separated host names or CIDR ranges, e.g.
``127.0.0.0/8,hooks.internal``) opens exceptions; ``parley serve --demo``
allows loopback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from hub.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = ("127.0.0.0/8", "::1/128")


class OutboundRefused(InvalidInput):
    """A URL the hub will not call; ``message`` says why (answered 400 when saved)."""

    def __init__(self, message: str, field: str | None = "url") -> None:
        super().__init__("outbound_refused", message, field=field)


@dataclass(frozen=True)
class Policy:
    """What outbound requests may reach beyond the public internet."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = field(default=())

    @classmethod
    def parse(cls, allow: Iterable[str]) -> Policy:
        """From ``PARLEY_OUTBOUND_ALLOW`` items: CIDR ranges, addresses or host names."""
        hosts: set[str] = set()
        networks: list[Network] = []
        for item in (a.strip() for a in allow):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be reached, or None when it may.

        An IPv6 address that carries an IPv4 one (IPv4-mapped, IPv4-translated,
        IPv4-compatible, NAT64, 6to4) is judged by the IPv4 address it leads to as well.
        """
        ip = _ip(address)
        if ip is None:
            return f"{address}, not an address"
        candidates = [ip, *_embedded(ip)]
        if any(self._allowed(c) for c in candidates):
            return None
        for candidate in candidates:
            if not candidate.is_global or candidate.is_multicast:
                seen = "" if candidate == ip else f" (it leads to {candidate})"
                return f"{address}, a {_kind(candidate)} address{seen}"
        return None

    def _allowed(self, ip: IPAddress) -> bool:
        return any(ip in net for net in self.networks if net.version == ip.version)


_policy = Policy()


def configure(allow: Iterable[str]) -> Policy:
    """Set the process's policy (the app does this from its settings at start-up)."""
    global _policy
    _policy = Policy.parse(allow)
    return _policy


def policy() -> Policy:
    return _policy


def _ip(address: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


#: IPv6 ranges whose last 32 bits are an IPv4 address: IPv4-compatible (::/96, deprecated),
#: IPv4-translated (SIIT, ::ffff:0:0:0/96) and NAT64's well-known prefix (64:ff9b::/96).
_CARRIES_V4_LOW = tuple(
    ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96")
)


def _embedded(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, compatible, SIIT, NAT64, 6to4)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    found = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if any(ip in net for net in _CARRIES_V4_LOW):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    teredo = ip.teredo
    if teredo is not None:
        found.extend(teredo)
    return found


def _kind(ip: IPAddress) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata)"
    if ip.is_private:
        return "private"
    if ip.is_multicast:
        return "multicast"
    return "non-public"


def _split(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(f"{url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"{url!r} must be an http or https URL with a host")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []  # not resolvable now: the connect-time check decides when it is
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def check_host(host: str, port: int, rules: Policy | None = None) -> None:
    """Refuse ``host`` (a name or an address, IPv6 with or without brackets) unless it may be
    reached; resolves a name. A name that does not resolve now is accepted (connect decides)."""
    rules = rules or _policy
    host = host.strip()
    if not host or any(c.isspace() or c in "/@?#" for c in host):
        raise OutboundRefused(f"{host!r} is not a host name or address", field=None)
    if rules.host_allowed(host.strip("[]")):
        return
    literal = _ip(host)
    addresses = [str(literal)] if literal is not None else _resolve(host, port)
    for address in addresses:
        reason = rules.refusal(address)
        if reason is not None:
            where = "is" if literal is not None else "resolves to"
            raise OutboundRefused(f"{host} is refused: it {where} {reason}", field=None)


def check_url(url: str, rules: Policy | None = None) -> None:
    """Refuse ``url`` (``OutboundRefused``) unless it may be called; resolves its host.

    A host that does not resolve now is accepted: the connect-time check decides
    once it does. Blocking (DNS): from async code use ``check_url_async``.
    """
    host, port = _split(url)
    try:
        check_host(host, port, rules)
    except OutboundRefused as exc:
        raise OutboundRefused(
            f"{url} is refused: {exc.message.partition(' is refused: ')[2]}"
        ) from None


async def check_url_async(url: str, rules: Policy | None = None) -> None:
    """``check_url`` without blocking the event loop."""
    await asyncio.to_thread(check_url, url, rules or _policy)


async def check_host_async(host: str, port: int, rules: Policy | None = None) -> None:
    """``check_host`` without blocking the event loop."""
    await asyncio.to_thread(check_host, host, port, rules or _policy)


async def connect_address(host: str, port: int, rules: Policy | None = None) -> str:
    """The address to connect to for ``host`` at connect time: resolved now and checked, so
    a name that resolves inside later (DNS rebinding) is refused; ``OutboundRefused`` if none
    may be reached, ``OSError`` if the name does not resolve."""
    rules = rules or _policy
    literal = _ip(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        addresses = await asyncio.to_thread(_resolve, host, port)
        if not addresses:
            raise OSError(f"cannot resolve {host}")
    if rules.host_allowed(host.strip("[]")):
        return addresses[0]
    reasons = []
    for address in addresses:
        reason = rules.refusal(address)
        if reason is None:
            return address
        reasons.append(reason)
    where = "is" if literal is not None else "resolves to"
    raise OutboundRefused(f"{host.strip('[]')} {where} {'; '.join(reasons)}", field=None)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the check at connect time, on the resolved address.

    It resolves the host, refuses forbidden addresses, and connects to the first
    allowed one; TLS still verifies the certificate against the host name.
    """

    def __init__(self, rules: Policy | None = None, inner: Any = None) -> None:
        self.rules = rules
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self._pick(host, port)
        return await self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    async def _pick(self, host: str, port: int) -> str:
        try:
            return await connect_address(host, port, self.rules)
        except OutboundRefused as exc:
            raise httpcore.ConnectError(f"outbound_refused: {exc.message}") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from None

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("outbound_refused: unix sockets are not reachable")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(rules: Policy | None = None, **options: Any) -> httpx.AsyncHTTPTransport:
    """httpx's transport whose connections go through ``GuardedBackend``."""
    transport = httpx.AsyncHTTPTransport(**options)
    pool = transport._pool  # httpx 0.28 keeps its httpcore pool here
    if not hasattr(pool, "_network_backend"):  # pragma: no cover - a changed httpx
        raise RuntimeError("this httpx version has no network backend to guard")
    pool._network_backend = GuardedBackend(rules)
    return transport


def guarded_client(rules: Policy | None = None, **options: Any) -> httpx.AsyncClient:
    """The hub's shared outgoing client: guarded, no proxies from the environment."""
    options.setdefault("timeout", httpx.Timeout(30.0, connect=10.0))
    return httpx.AsyncClient(transport=guarded_transport(rules), trust_env=False, **options)
