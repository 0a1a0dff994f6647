"""``parley serve`` binds its ports before it announces anything.

The HTTP socket is bound here and handed to uvicorn, so nothing can take it in between.
The SMTP listener binds in the app's lifespan; here it is only tried, with the same
``SO_REUSEPORT`` the listener uses (several ``serve`` processes on one host share it).
"""

from __future__ import annotations

import socket


class PortBusy(Exception):
    """A port ``serve`` needs cannot be bound; the message names it."""


def _socket(host: str, port: int, what: str, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port and hasattr(socket, "SO_REUSEPORT"):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortBusy(f"cannot listen for {what} on {host}:{port}: {exc.strerror}") from None
    return sock


def claim(http: tuple[str, int], smtp: tuple[str, int]) -> socket.socket:
    """The bound HTTP socket uvicorn will serve on, once the SMTP port is known to be free.

    Raises :class:`PortBusy` naming the first port that cannot be bound.
    """
    sock = _socket(*http, "HTTP", reuse_port=False)
    try:
        _socket(*smtp, "SMTP", reuse_port=True).close()
    except PortBusy:
        sock.close()
        raise
    return sock
