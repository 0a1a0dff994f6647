"""Lean server-sent event streams: a response that waits, and writes that wake no task.

``EventStream`` is an ASGI response for a stream whose events are written by someone
else (the inbox's room writes each event once for all its streams): it sends the
headers and the first frames, hands its ``Outlet`` to ``opened``, then only waits for
the client to leave (``receive`` answers ``http.disconnect``) and calls ``closed``.
No task per stream besides the request's own, no queue, no ping task, no cancel scope.

``Outlet.write(data)`` calls the ASGI ``send`` at once and steps it: when the server
takes the bytes without waiting (the socket took them: the usual case) the write is
done there, in the writer's task. When it has to wait (the client does not read and
the server's transport paused writing), one task finishes that write, and what comes
meanwhile waits in the outlet and leaves as one write; past ``WAITING_LIMIT`` bytes
it is dropped and the stream gets a ``resync`` first when it drains, so a slow client
costs the others nothing. ``end`` writes the last bytes and completes the response;
the ASGI server then answers the request's ``receive`` with ``http.disconnect`` (the
ASGI spec: after the response was sent), so the response returns.

The frames themselves are sse-starlette's ``ServerSentEvent.encode()``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from sse_starlette.sse import AppStatus
from starlette.types import Message, Receive, Scope, Send

log = logging.getLogger(__name__)

#: Bytes a stream may have waiting for a slow client; past this they are dropped and the
#: stream is told to ``resync`` once it drains (the page refetches what it shows).
WAITING_LIMIT = 64 * 1024
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),  # a proxy in front passes each event on at once
]


def _body(data: bytes, more: bool = True) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


class Outlet:
    """One open stream's writes (see the module's docstring)."""

    __slots__ = ("_busy", "_last", "_send", "_size", "_waiting", "ended", "lagged", "resync")

    def __init__(self, send: Send, resync: bytes = b"") -> None:
        self._send = send
        #: The task finishing a write the server had to wait for (a slow client), if any.
        self._busy: asyncio.Task[None] | None = None
        self._waiting: list[bytes] = []
        self._size = 0
        #: The stream's last bytes, when ``end`` came while a write was waiting.
        self._last: bytes | None = None
        #: What waited was dropped: ``resync`` goes first when the client drains.
        self.lagged = False
        self.ended = False
        self.resync = resync

    @property
    def busy(self) -> bool:
        return self._busy is not None

    def write(self, data: bytes) -> None:
        """Send ``data`` now, or after the write the client is behind on."""
        if self.ended or not data:
            return
        if self._busy is None:
            self._step(_body(data))
        elif self._size + len(data) > WAITING_LIMIT:
            self._waiting.clear()
            self._size = 0
            self.lagged = True
        else:
            self._waiting.append(data)
            self._size += len(data)

    def end(self, last: bytes = b"") -> None:
        """Write ``last`` (after anything waiting) and complete the response."""
        if self.ended:
            return
        self.ended = True
        if self._busy is None:
            self._step(_body(last, more=False))
        else:
            self._last = last

    def _step(self, message: Message) -> None:
        """Run the server's ``send`` until it would wait; a task finishes it if it does."""
        coro = self._send(message)
        if not isinstance(coro, Coroutine):  # an awaitable of another kind: a task runs it
            self._busy = asyncio.ensure_future(self._finish(_awaited(coro), None))
            return
        try:
            waiting = coro.send(None)
        except StopIteration:
            return
        except Exception:  # the connection is gone: nothing more is written to it
            log.debug("event stream write failed", exc_info=True)
            self.ended = True
            return
        self._busy = asyncio.get_running_loop().create_task(self._finish(coro, waiting))

    async def _finish(self, coro: Coroutine[Any, Any, None], waiting: object) -> None:
        try:
            await _resume(coro, waiting)
            while self._waiting or self.lagged or self._last is not None:
                parts = [self.resync] if self.lagged else []
                parts += self._waiting
                self.lagged, self._waiting, self._size = False, [], 0
                last, self._last = self._last, None
                if last is not None:
                    await self._send(_body(b"".join([*parts, last]), more=False))
                    return
                await self._send(_body(b"".join(parts)))
        except Exception:
            log.debug("event stream write failed", exc_info=True)
            self.ended = True
        finally:
            self._busy = None


async def _awaited(step: Awaitable[None]) -> None:
    await step


async def _resume(coro: Coroutine[Any, Any, None], waiting: object) -> None:
    """Run ``coro`` on from where it stopped, having yielded ``waiting``: what asyncio's
    task does for the coroutine it steps (wait for the future it yielded, step again)."""
    while True:
        try:
            if asyncio.isfuture(waiting):
                await asyncio.wait((waiting,))
            else:  # a bare yield (``asyncio.sleep(0)``)
                await asyncio.sleep(0)
        except BaseException:
            coro.close()
            raise
        try:
            waiting = coro.send(None)
        except StopIteration:
            return


class EventStream:
    """An ASGI response: headers and ``first`` frames, then the stream is the outlet's.

    ``opened(outlet)`` is awaited once the first frames are written (the stream joins
    its writers there: what they write comes after those frames); ``closed()`` when the
    client left or the outlet ended the response, even if the request is cancelled.
    """

    def __init__(
        self,
        first: bytes,
        opened: Callable[[Outlet], Awaitable[None]],
        closed: Callable[[], Coroutine[Any, Any, None]],
        resync: bytes = b"",
    ) -> None:
        self.first = first
        self.opened = opened
        self.closed = closed
        self.resync = resync

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        outlet = Outlet(send, self.resync)
        outlet.write(self.first)
        try:
            await self.opened(outlet)
            while (await receive())["type"] != "http.disconnect":
                pass
        finally:
            outlet.ended = True
            await asyncio.shield(self.closed())


def exiting() -> bool:
    """The server was asked to stop (SIGTERM): streams should end now, not when its
    graceful-shutdown timeout cancels them. uvicorn's flag, read as sse-starlette does
    (its ``AppStatus``, or the server behind the SIGTERM handler)."""
    if AppStatus.should_exit:
        return True
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(getattr(server, "should_exit", False))
