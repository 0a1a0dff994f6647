"""Supervising from the conversation view: take over; and the composer's typing signal.

Take-over is for supervisors and admins (``hub.centre.supervising``); a whisper is
a kind of the composer (``hub.inbox.composer``). The agent is told of both live
through their inbox stream's ``notice`` event. Any signed-in user's composer posts
``typing`` while a reply is being written.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import supervising
from hub.pipeline import typing
from hub.store import conversations
from hub.web import pages
from hub.web.guard import Ctx, inbox_view


@inbox_view("supervisor")
async def take_over(request: Request, ctx: Ctx) -> Response:
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    await supervising.take_over(ctx.hub, conversation, ctx.user)
    return pages.changed(request, f"/inbox/c/{conversation.id}", "conv-changed", "thread-changed")


@inbox_view()
async def typing_signal(request: Request, ctx: Ctx) -> Response:
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    assert conversation.id is not None
    active = str((await request.form()).get("typing", "true")) != "false"
    name = ctx.user.name or ctx.user.email
    await typing.agent_typing(
        ctx.hub.database, ctx.account_id, conversation.id, str(ctx.user.id), name, active
    )
    return Response(status_code=204)


routes = [
    Route("/inbox/c/{id}/takeover", take_over, methods=["POST"]),
    Route("/inbox/c/{id}/typing", typing_signal, methods=["POST"]),
]
