"""The conversation list: Mine / Unassigned / All, filters, search, cursor pages, live rows.

The most selective filter leads an indexed, account-scoped query read in time
windows (``hub.store.conversations.recent_first``); the other filters are applied to
what it reads. Bot-handled conversations stay out of the human queues unless
the handler filter asks for them.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any, Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre.sla import clocks as sla
from hub.contract import Address, AddressKind, now
from hub.inbox import directory
from hub.models import Conversation, Message
from hub.store import conversations, paging
from hub.store import search as word_search
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


def shape(f: ListFilter, me: str) -> dict[str, Any] | list[dict[str, Any]]:
    """The most selective filter that leads an index (see ``recent_first``)."""
    if f.label:
        return {"labels": f.label.lower()}
    if f.team:
        return {"team_id": f.team}
    if f.channel:
        return {"channel_id": conversations.oid_or_invalid(f.channel)}
    if f.view == "mine" and f.status != "any":
        return {"assignee_id": me, "status": f.status}
    if f.view == "mine":
        return {"assignee_id": me}
    if f.handler != "any" and f.status != "any":
        return {"handler": f.handler, "status": f.status}
    if f.status != "any":
        return [{"handler": h, "status": f.status} for h in conversations.HANDLERS]
    return {}


def matcher(f: ListFilter, me: str) -> Callable[[dict[str, Any]], bool]:
    """Every filter of ``f`` as a test on one raw conversation document."""
    channel = conversations.oid_or_invalid(f.channel) if f.channel else None
    assignee = {"mine": me, "unassigned": None}.get(f.view, "any")
    label = f.label.lower()

    def keep(c: dict[str, Any]) -> bool:
        return (
            (f.handler == "any" or c.get("handler", "human") == f.handler)
            and (f.status == "any" or c.get("status") == f.status)
            and (assignee == "any" or c.get("assignee_id") == assignee)
            and (channel is None or c.get("channel_id") == channel)
            and (not f.team or c.get("team_id") == f.team)
            and (not label or label in c.get("labels", []))
        )

    return keep


def _text_match(text: str) -> Callable[[Any], bool]:
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

    def named(c: dict[str, Any]) -> bool:
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
    for doc in [
        *await _direct_hits(account_id, f.q, kinds),
        *await _contact_hits(account_id, f.q),
        *await _message_hits(account_id, hit, set(ids)),
    ]:
        if doc["_id"] not in ids and keep(doc):
            ids.add(doc["_id"])
            found.append(Conversation.model_validate(doc))
    found.sort(key=lambda c: (c.last_message_at, c.id), reverse=True)
    return found[:SEARCH_LIMIT]


async def _direct_hits(
    account_id: PydanticObjectId, text: str, kinds: Sequence[AddressKind]
) -> list[dict[str, Any]]:
    """Conversations with exactly this address, or a contact name starting with ``text``
    (as typed, capitalised or in lower case): indexed equality and range reads."""
    collection = Conversation.get_pymongo_collection()
    queries: list[dict[str, Any]] = []
    for kind in kinds:
        value = kind.candidate(text)
        if value is not None:
            queries.append({"contact_key": Address(kind=kind.name, value=value).key})
    for variant in dict.fromkeys((text, text.capitalize(), text.title(), text.lower())):
        queries.append({"contact_name": {"$gte": variant, "$lt": variant + "\uffff"}})
    found: list[dict[str, Any]] = []
    for query in queries:
        found += (
            await collection.find({"account_id": account_id, **query}).limit(SEARCH_LIMIT).to_list()
        )
    return found


async def _contact_hits(account_id: PydanticObjectId, text: str) -> list[dict[str, Any]]:
    """Conversations of contacts with a word (name, surname, address) starting with the
    text's words, at any age: the contacts' term index, then each one's conversations."""
    collection = Conversation.get_pymongo_collection()
    found: list[dict[str, Any]] = []
    for contact in await word_search.contacts_matching(account_id, text):
        found += await collection.find(
            {"account_id": account_id, "contact_id": contact["_id"]}
        ).to_list(SEARCH_LIMIT)
        if len(found) >= SEARCH_LIMIT:
            break
    return found


async def _message_hits(
    account_id: PydanticObjectId, hit: Callable[[Any], bool], seen: set[Any]
) -> list[dict[str, Any]]:
    """Conversations (not in ``seen``) with a message whose text matches, newest first,
    among the account's newest ``SEARCH_BUDGET`` messages of the search horizon."""
    new_ids: list[Any] = []

    def keep(doc: dict[str, Any]) -> bool:
        cid = doc["conversation_id"]
        if doc.get("visibility") == "whisper":
            return False  # a whisper's words must not find its conversation for other agents
        if cid in seen or not hit(doc.get("text")):
            return False
        seen.add(cid)
        new_ids.append(cid)
        return True

    await paging.read_window(
        Message.get_pymongo_collection(),
        {"account_id": account_id},
        "created_at",
        limit=SEARCH_LIMIT,
        keep=keep,
        projection={"conversation_id": 1, "text": 1, "created_at": 1, "visibility": 1},
        since=now() - dt.timedelta(hours=SEARCH_HORIZON_HOURS),
        budget=SEARCH_BUDGET,
    )
    # By id alone (the id index), then the account checked on every document.
    docs = Conversation.get_pymongo_collection().find({"_id": {"$in": new_ids[:SEARCH_LIMIT]}})
    return [d async for d in docs if d["account_id"] == account_id]


@inbox_view()
async def conversation_list(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    f = parse_filter(request)
    me = str(ctx.user.id)
    next_cursor = None
    if f.q:
        rows = await search(ctx.account.id, f, me, ctx.hub.registry.address_kinds())
    elif f.sort == "due":
        rows = await sla.due_soonest(ctx.account.id, matcher(f, me), PAGE_SIZE)
    else:
        rows, next_cursor = await conversations.recent_first(
            ctx.account.id, shape(f, me), matcher(f, me), PAGE_SIZE, f.cursor or None
        )
    context = {
        **await layout_context(ctx),
        "f": f,
        "rows": rows,
        "next_cursor": next_cursor,
        "names": await directory.load(ctx.account.id, directory.icons_of(ctx.hub)),
    }
    return pages.render(request, "inbox/list.html", context)


routes = [Route("/inbox", conversation_list, methods=["GET"])]
