"""The conversation list: Mine / Unassigned / All, filters, search, cursor pages, live rows.

Filters become one account-scoped query served by the indexes declared on
``Conversation``. Bot-handled conversations stay out of the human queues
unless the handler filter asks for them.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any, Literal

from beanie import PydanticObjectId
from pydantic import BaseModel, ValidationError, field_validator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub import conversations
from hub.inbox import directory, pages
from hub.inbox.guard import Ctx, inbox_view
from hub.inbox.presence import layout_context
from hub.models import Contact, Message

PAGE_SIZE = 25
#: How many matching messages a text search looks at (newest first).
SEARCH_MESSAGE_LIMIT = 500


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


async def _search(account_id: PydanticObjectId, text: str) -> dict[str, Any]:
    """Contact name, address (the conversation's or any of the contact's) or message text."""
    pattern = {"$regex": re.escape(text), "$options": "i"}  # never re.compile: see NOTES
    hits = (
        Message.get_pymongo_collection()
        .find({"account_id": account_id, "text": pattern}, {"conversation_id": 1})
        .sort("created_at", -1)
        .limit(SEARCH_MESSAGE_LIMIT)
    )
    conv_ids = list({doc["conversation_id"] async for doc in hits})
    contacts = (
        Contact.get_pymongo_collection()
        .find({"account_id": account_id, "addresses": pattern}, {"_id": 1})
        .limit(SEARCH_MESSAGE_LIMIT)
    )
    contact_ids = [doc["_id"] async for doc in contacts]
    return {
        "$or": [
            {"contact_name": pattern},
            {"contact_key": pattern},
            {"_id": {"$in": conv_ids}},
            {"contact_id": {"$in": contact_ids}},
        ]
    }


async def build_query(ctx: Ctx, f: ListFilter) -> dict[str, Any]:
    """The exact-match filters of ``f`` (``list_conversations`` adds the account)."""
    query: dict[str, Any] = {}
    if f.handler != "any":
        query["handler"] = f.handler
    if f.status != "any":
        query["status"] = f.status
    if f.view == "mine":
        query["assignee_id"] = str(ctx.user.id)
    elif f.view == "unassigned":
        query["assignee_id"] = None
    if f.channel:
        query["channel_id"] = conversations.oid_or_invalid(f.channel)
    if f.team:
        query["team_id"] = f.team
    if f.label:
        query["labels"] = f.label.lower()
    if f.q:
        assert ctx.account.id is not None
        query.update(await _search(ctx.account.id, f.q))
    return query


@inbox_view()
async def conversation_list(request: Request, ctx: Ctx) -> Response:
    assert ctx.account.id is not None
    f = parse_filter(request)
    query = await build_query(ctx, f)
    rows, next_cursor = await conversations.list_conversations(
        ctx.account.id, query, PAGE_SIZE, f.cursor or None
    )
    context = {
        **await layout_context(ctx),
        "f": f,
        "rows": rows,
        "next_cursor": next_cursor,
        "names": await directory.load(ctx.account.id),
    }
    return pages.render(request, "inbox/list.html", context)


routes = [Route("/inbox", conversation_list, methods=["GET"])]
