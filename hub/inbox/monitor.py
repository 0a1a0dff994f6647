"""The monitor (``/inbox/monitor``, supervisors and admins): conversations being handled now, per agent.

Each agent's open assigned conversations, newest activity first, read with the
``(account_id, assignee_id, status, last_message_at)`` index; the list refreshes
live on the inbox stream. Opening one is the conversation view, which shows the
thread live and the agent's typing; there the supervisor whispers or takes over.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.models import Conversation, User
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context

PER_AGENT = 50


async def handled_now(ctx: Ctx) -> list[dict[str, Any]]:
    """``[{"agent": User, "conversations": [...]}]`` for every active person, busiest first."""
    people = await User.find(
        {"account_id": ctx.account.id, "active": True, "role": {"$ne": "dashboard"}}
    ).to_list()
    groups = []
    for person in people:
        query = {"account_id": ctx.account.id, "assignee_id": str(person.id), "status": "open"}
        found = (
            await Conversation.find(query)
            .sort(-Conversation.last_message_at)  # type: ignore[operator]
            .limit(PER_AGENT)
            .to_list()
        )
        groups.append({"agent": person, "conversations": found})
    return sorted(
        groups,
        key=lambda g: (-len(g["conversations"]), (g["agent"].name or g["agent"].email).lower()),
    )


@inbox_view("supervisor")
async def show(request: Request, ctx: Ctx) -> Response:
    context = {**await layout_context(ctx), "groups": await handled_now(ctx)}
    return pages.render(request, "inbox/monitor.html", context)


routes = [Route("/inbox/monitor", show, methods=["GET"])]
