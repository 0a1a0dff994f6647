"""The conversation list: Mine / Unassigned / All, filters, search, cursor pages, live rows.

The most selective filter leads an indexed, account-scoped query read in time
windows (``hub.store.conversations.recent_first``); the other filters are applied to
what it reads. Bot-handled conversations stay out of the human queues unless
the handler filter asks for them.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.sla import clocks as sla
from hub.contract import Address, AddressKind, now
from hub.inbox import directory
from hub.models import Conversation
from hub.store import conversations, labels
from hub.store import search as word_search
from hub.store.ids import parse_ref
from hub.store.search import DocTest
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context

PAGE_SIZE = 25
#: A search shows at most this many conversations, the most recently active.
SEARCH_LIMIT = 50
#: How far back a substring search reads (exact addresses and name starts: any age).
SEARCH_HORIZON_HOURS = 30 * 24
#: The most conversations, and messages, one substring search reads (newest first):
#: a search costs this at worst, however long the history.
SEARCH_BUDGET = 400


class ListFilter(BaseModel):
    """The list's query string, validated."""

    view: Literal["mine", "unassigned", "all"] = "all"
    status: Literal["open", "pending", "snoozed", "resolved", "any"] = "open"
    handler: Literal["human", "bot", "any"] = "human"
    channel: str = ""
    team: str = ""
    label: str = ""
    q: str = ""
    cursor: str = ""
    #: ``due``: running SLA clocks, the soonest due first (``hub.centre.sla.clocks.due_soonest``).
    sort: Literal["recent", "due"] = "recent"

    @field_validator("q", "label")
    @classmethod
    def _trim(cls, value: str) -> str:
        return value.strip()[:100]

    def query_string(self, **changes: str) -> str:
        values = {**self.model_dump(), **changes}
        return urllib.parse.urlencode({k: v for k, v in values.items() if v})


def parse_filter(request: Request) -> ListFilter:
    try:
        return ListFilter.model_validate(dict(request.query_params))
    except ValidationError:
        return ListFilter()


#: Equality fields that lead an index of ``conversations`` (see ``recent_first``).
Shape = dict[str, str | PydanticObjectId]


def shape(f: ListFilter, me: str) -> Shape | list[Shape]:
    """The most selective filter that leads an index (see ``recent_first``)."""
    if f.label:
        return {"labels": f.label.lower()}
    if f.team:
        return {"team_id": f.team}
    if f.channel:
        return {"channel_id": parse_ref(f.channel, "channel")}
    if f.view == "mine" and f.status != "any":
        return {"assignee_id": me, "status": f.status}
    if f.view == "mine":
        return {"assignee_id": me}
    if f.handler != "any" and f.status != "any":
        return {"handler": f.handler, "status": f.status}
    if f.status != "any":
        return [{"handler": h, "status": f.status} for h in conversations.HANDLERS]
    return {}


def matcher(f: ListFilter, me: str) -> DocTest:
    """Every filter of ``f`` as a test on one raw conversation document."""
    channel = parse_ref(f.channel, "channel") if f.channel else None
    assignee = {"mine": me, "unassigned": None}.get(f.view, "any")
    label = f.label.lower()

    def keep(c: Mapping[str, object]) -> bool:
        labels = c.get("labels", [])
        return (
            (f.handler == "any" or c.get("handler", "human") == f.handler)
            and (f.status == "any" or c.get("status") == f.status)
            and (assignee == "any" or c.get("assignee_id") == assignee)
            and (channel is None or c.get("channel_id") == channel)
            and (not f.team or c.get("team_id") == f.team)
            and (not label or (isinstance(labels, list) and label in labels))
        )

    return keep


def _text_match(text: str) -> Callable[[object], bool]:
    needle = text.casefold()
    return lambda value: isinstance(value, str) and needle in value.casefold()


async def search(
    account_id: PydanticObjectId, f: ListFilter, me: str, kinds: Sequence[AddressKind] = ()
) -> list[Conversation]:
    """The newest conversations whose contact name, address, last message or any message
    text contains ``f.q`` (case-insensitive), within the filters; at most ``SEARCH_LIMIT``.

    An exact address or the start of a contact's name is found at any age through
    their indexes; other substrings (names, last messages, message texts) in the last
    ``SEARCH_HORIZON_HOURS``, read newest first in time windows, so a search with many
    hits ends early. ``kinds`` are the address kinds tried as exact addresses (the
    installed connectors' kinds, ``Registry.address_kinds``).
    """
    hit, keep = _text_match(f.q), matcher(f, me)
    fields = ("contact_name", "contact_key", "last_message_preview", "subject")

    def named(c: Mapping[str, object]) -> bool:
        return keep(c) and any(hit(c.get(name)) for name in fields)

    found, _ = await conversations.recent_first(
        account_id,
        shape(f, me),
        named,
        SEARCH_LIMIT,
        horizon_hours=SEARCH_HORIZON_HOURS,
        budget=SEARCH_BUDGET,
    )
    ids = {c.id for c in found}
    keys = [
        Address(kind=kind.name, value=value).key
        for kind in kinds
        if (value := kind.candidate(f.q)) is not None
    ]
    seen = {i for i in ids if i is not None}
    for conversation in [
        *await word_search.conversations_by_address_or_name(
            account_id, keys, f.q, keep, SEARCH_LIMIT
        ),
        *await word_search.conversations_of_contacts_matching(account_id, f.q, keep, SEARCH_LIMIT),
        *await word_search.conversations_with_message_text(
            account_id,
            hit,
            seen,
            keep,
            since=now() - dt.timedelta(hours=SEARCH_HORIZON_HOURS),
            budget=SEARCH_BUDGET,
            limit=SEARCH_LIMIT,
        ),
    ]:
        if conversation.id not in ids:
            ids.add(conversation.id)
            found.append(conversation)
    found.sort(key=lambda c: (c.last_message_at, c.id), reverse=True)
    return found[:SEARCH_LIMIT]


@inbox_view()
async def conversation_list(request: Request, ctx: Ctx) -> Response:
    f = parse_filter(request)
    me = str(ctx.user.id)
    next_cursor = None
    if f.q:
        rows = await search(ctx.account_id, f, me, ctx.hub.registry.address_kinds())
    elif f.sort == "due":
        rows = await sla.due_soonest(ctx.account_id, matcher(f, me), PAGE_SIZE)
    else:
        rows, next_cursor = await conversations.recent_first(
            ctx.account_id, shape(f, me), matcher(f, me), PAGE_SIZE, f.cursor or None
        )
    context = {
        **await layout_context(ctx),
        "f": f,
        "rows": rows,
        "next_cursor": next_cursor,
        "names": await directory.load(ctx.account_id, directory.icons_of(ctx.hub)),
        # Read only when a row has labels: a page without them costs no query.
        "label_colours": await labels.colours_of(
            ctx.account_id, (x for c in rows for x in c.labels)
        ),
    }
    return pages.render(request, "inbox/list.html", context)


routes = [Route("/inbox", conversation_list, methods=["GET"])]
