"""The monitor (``/inbox/monitor``, supervisors and admins): conversations being handled now, per agent.

Each agent's open assigned conversations, newest activity first, read with the
``(account_id, assignee_id, status, last_message_at)`` index; the list refreshes
live on the inbox stream. Opening one is the conversation view, which shows the
thread live and the agent's typing; there the supervisor whispers or takes over.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.models import Conversation, User
from hub.store import conversations, users
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context

PER_AGENT = 50


@dataclass
class Handling:
    """One person and the open conversations assigned to them, newest activity first."""

    agent: User
    conversations: list[Conversation]


async def handled_now(ctx: Ctx) -> list[Handling]:
    """Every active person and what they handle now, busiest first."""
    groups = []
    for person in await users.active_people(ctx.account_id):
        found = await conversations.open_assigned_to(ctx.account_id, str(person.id), PER_AGENT)
        groups.append(Handling(agent=person, conversations=found))
    return sorted(
        groups, key=lambda g: (-len(g.conversations), (g.agent.name or g.agent.email).lower())
    )


@inbox_view("supervisor")
async def show(request: Request, ctx: Ctx) -> Response:
    context = {**await layout_context(ctx), "groups": await handled_now(ctx)}
    return pages.render(request, "inbox/monitor.html", context)


routes = [Route("/inbox/monitor", show, methods=["GET"])]
