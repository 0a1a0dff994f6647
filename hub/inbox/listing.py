"""The conversation list: Mine / Unassigned / All, filters, search, cursor pages, live rows.

The most selective filter leads an indexed, account-scoped query read in time
windows (``hub.store.conversations.recent_first``); the other filters are applied to
what it reads. Bot-handled conversations stay out of the human queues unless
the handler filter asks for them.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.sla import clocks as sla
from hub.contract import Address, AddressKind
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


async def search(
    account_id: PydanticObjectId,
    f: ListFilter,
    me: str,
    kinds: Sequence[AddressKind] = (),
) -> tuple[list[Conversation], str | None]:
    """A page of the conversations ``f.q`` finds across the whole history, within the
    filters (``hub.store.search.search_conversations``, the API's ``?q=`` too): exact
    addresses and contacts first, then every message holding all the words, newest
    first. ``kinds`` are the address kinds tried as exact addresses (the installed
    connectors' kinds, ``Registry.address_kinds``)."""
    keys = [
        Address(kind=kind.name, value=value).key
        for kind in kinds
        if (value := kind.candidate(f.q)) is not None
    ]
    return await word_search.search_conversations(
        account_id,
        f.q,
        limit=PAGE_SIZE,
        cursor=f.cursor or None,
        keep=matcher(f, me),
        address_keys=keys,
    )


@inbox_view()
async def conversation_list(request: Request, ctx: Ctx) -> Response:
    f = parse_filter(request)
    me = str(ctx.user.id)
    next_cursor = None
    if f.q:
        rows, next_cursor = await search(ctx.account_id, f, me, ctx.hub.registry.address_kinds())
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
