"""The callback list: which callbacks a filter shows, sorted by one column, and a
contact's or conversation's callbacks.

Open callbacks are a small working set (one equality read per status); closed ones are
read from the last ``HISTORY_DAYS`` by requested_at. The sort is done here, in memory,
over that bounded set (the planner does not sort by index).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from beanie import PydanticObjectId

from hub.centre.callbacks.checks import OPEN, STATUSES, InvalidCallback
from hub.contract import now
from hub.models import CallbackRequest
from hub.models.callback import CallbackStatus
from hub.store import callbacks as store
from hub.store import teams as team_store

#: ``status`` filters of the list: one status, ``open`` (waiting and re-queued) or ``any``.
STATUS_FILTERS = (*STATUSES, "open", "any")
SORTS = ("requested_at", "window", "team", "customer_input", "handler", "status", "last_note")
#: Closed callbacks are listed from this far back (a bounded range on requested_at).
HISTORY_DAYS = 30


def _sort_key(sort: str, team_names: dict[str, str]) -> Callable[[CallbackRequest], Any]:
    order = {s: i for i, s in enumerate(STATUSES)}
    keys: dict[str, Callable[[CallbackRequest], Any]] = {
        "requested_at": lambda c: c.requested_at,
        "window": lambda c: (c.window_from, c.window_until),
        "team": lambda c: team_names.get(c.team_id or "", "").lower(),
        "customer_input": lambda c: c.customer_input.lower(),
        "handler": lambda c: c.handler_name.lower(),
        "status": lambda c: order.get(c.status, 9),
        "last_note": lambda c: c.last_note.lower(),
    }
    main = keys[sort]
    return lambda c: (main(c), c.requested_at, str(c.id))


async def list_callbacks(
    account_id: PydanticObjectId,
    *,
    status: str = "open",
    team_id: str | None = None,
    sort: str = "requested_at",
    order: str = "asc",
    team_names: dict[str, str] | None = None,
) -> list[CallbackRequest]:
    """The account's callbacks with ``status`` (and ``team_id``), sorted by one column."""
    if status not in STATUS_FILTERS:
        raise InvalidCallback(
            "invalid_filter", f"status: one of {', '.join(STATUS_FILTERS)}", "status"
        )
    if sort not in SORTS:
        raise InvalidCallback("invalid_sort", f"sort: one of {', '.join(SORTS)}", "sort")
    if order not in ("asc", "desc"):
        raise InvalidCallback("invalid_order", "order: asc or desc", "order")
    wanted: tuple[CallbackStatus, ...] = {"open": OPEN, "any": STATUSES}.get(
        status, (CallbackStatus(status),) if status in STATUSES else ()
    )
    since = now() - dt.timedelta(days=HISTORY_DAYS)
    found: list[CallbackRequest] = []
    for one in wanted:
        found += await store.with_status(account_id, one, None if one in OPEN else since)
    if team_id:
        found = [c for c in found if c.team_id == team_id]
    if team_names is None:
        team_names = await names_of_teams(account_id)
    return sorted(found, key=_sort_key(sort, team_names), reverse=order == "desc")


async def names_of_teams(account_id: PydanticObjectId) -> dict[str, str]:
    return {str(t.id): t.name for t in await team_store.list_teams(account_id)}


async def for_contact(
    account_id: PydanticObjectId, contact_id: PydanticObjectId
) -> list[CallbackRequest]:
    """The contact's callbacks, newest first (their timeline)."""
    found = await store.for_contact(account_id, contact_id)
    return sorted(found, key=lambda c: c.requested_at, reverse=True)


async def for_conversation(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> list[CallbackRequest]:
    found = await store.for_conversation(account_id, conversation_id)
    return sorted(found, key=lambda c: c.requested_at, reverse=True)
