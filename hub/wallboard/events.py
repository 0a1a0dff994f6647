"""The wallboard's live stream: one ``board`` signal after changes that move a figure, debounced.

Signals, not data: the page refetches its board block. Changes that count are
conversations (new, status, assignee, team, waiting, SLA risk and breach), callbacks
(new, status, team) and users (presence, capacity, teams); SLA risk also moves with
time alone, so an open board is signalled at least every ``REFRESH_SECONDS``. A burst of changes becomes one signal ``DEBOUNCE_SECONDS``
after its first change, plus one trailing signal ``SETTLE_SECONDS`` after the burst
(the day's counters of an opening are written just after the change that woke the
board), so a busy account costs about one render per period per screen.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.pipeline.realtime import Event
from hub.pipeline.services import Hub
from hub.tenants.auth import session_user
from hub.wallboard.views import BOARD_ROLES

DEBOUNCE_SECONDS = 0.5
#: One more signal this long after a burst: an opening's counters are written just
#: after the conversation change that woke the board.
SETTLE_SECONDS = 2.0
KEEPALIVE_SECONDS = 15
#: The figures SLA at risk and breached move with time alone: the board is signalled at
#: least this often while its screen is open.
REFRESH_SECONDS = 60
CONVERSATION_FIELDS = {
    "status", "assignee_id", "team_id", "waiting_since", "handler",
    "sla_risk_at", "sla_due", "sla_breached_at",
}  # fmt: skip
USER_FIELDS = {"presence", "active", "capacity", "team_ids", "role"}
CALLBACK_FIELDS = {"status", "team_id"}


def moves_board(event: Event) -> bool:
    """Whether a change can move a figure on the board."""
    kind = event.type.split(".")[0]
    if event.type.endswith(".created"):
        return kind in ("conversation", "user", "callback")
    fields = {name.split(".")[0] for name in event.changed}
    if kind == "conversation":
        return bool(fields & CONVERSATION_FIELDS)
    if kind == "callback":
        return bool(fields & CALLBACK_FIELDS)
    return kind == "user" and bool(fields & USER_FIELDS)


async def stream(request: Request) -> Response:
    user = await session_user(request)
    if user is None or user.role not in BOARD_ROLES:
        code = 401 if user is None else 403
        return JSONResponse({"error": {"code": "forbidden", "message": "not for you"}}, code)
    hub: Hub = request.app.state.hub

    async def events() -> AsyncIterator[ServerSentEvent]:
        loop = asyncio.get_running_loop()
        async with hub.realtime.subscription(user.account_id, moves_board) as sub:
            yield ServerSentEvent("{}", event="ready", retry=1000)
            trailing = False
            signalled = loop.time()
            while True:
                try:
                    await asyncio.wait_for(
                        sub.get(), SETTLE_SECONDS if trailing else KEEPALIVE_SECONDS
                    )
                except TimeoutError:
                    # facts recorded just after the change are counted now; SLA risk moves
                    # with time alone
                    if trailing or loop.time() - signalled >= REFRESH_SECONDS:
                        trailing = False
                        signalled = loop.time()
                        yield ServerSentEvent("{}", event="board")
                    continue
                await asyncio.sleep(DEBOUNCE_SECONDS)
                while not sub.queue.empty():
                    sub.queue.get_nowait()
                sub.lagged = False
                trailing = True
                signalled = loop.time()
                yield ServerSentEvent("{}", event="board")

    return EventSourceResponse(events(), ping=KEEPALIVE_SECONDS)


routes = [Route("/wallboard/events", stream, methods=["GET"])]
