"""Conversation actions: assign (me / an agent / a team), transfer with a note, resolve,
reopen, snooze until a time, labels, priority — all through ``update_conversation``.

Each answers with the conversation's header block, which shows the new state.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import handling
from hub.contract import now
from hub.inbox import directory
from hub.inbox.thread import can_reassign
from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.store import conversations
from hub.store.conversations import InvalidChange
from hub.web import pages
from hub.web.guard import Ctx, error_page, inbox_view


async def _apply(request: Request, ctx: Ctx, changes: dict[str, Any]) -> Response:
    conversation = await conversations.get_conversation(ctx.account.id, request.path_params["id"])
    await handling.update_conversation(ctx.account.id, str(conversation.id), changes)
    return _done(request, conversation)


def _done(request: Request, conversation: Conversation) -> Response:
    return pages.changed(request, f"/inbox/c/{conversation.id}", "conv-changed", "thread-changed")


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@inbox_view()
async def assign(request: Request, ctx: Ctx) -> Response:
    """Assign to me, to an agent, or to a team; a note turns it into a transfer."""
    form = await _form(request)
    conversation = await conversations.get_conversation(ctx.account.id, request.path_params["id"])
    if not can_reassign(ctx, conversation):
        return error_page(request, 403, "Only a supervisor can take a colleague's conversation.")
    changes: dict[str, Any] = {}
    assignee = form.get("assignee", "")
    changes["assignee_id"] = str(ctx.user.id) if assignee == "me" else (assignee or None)
    if "team" in form:
        changes["team_id"] = form["team"] or None
    updated = await handling.update_conversation(ctx.account.id, str(conversation.id), changes)
    note = form.get("note", "").strip()
    if note or (updated.assignee_id != conversation.assignee_id and assignee != "me"):
        await _transfer_note(ctx, updated, note)
    return _done(request, updated)


async def _transfer_note(ctx: Ctx, conversation: Conversation, note: str) -> None:
    """A private note in the thread saying who handed the conversation to whom, and why."""
    assert ctx.account.id is not None
    names = await directory.load(ctx.account.id)
    to = names.user_name(conversation.assignee_id) or "nobody"
    if conversation.team_id:
        to += f" (team {names.team_name(conversation.team_id)})"
    text = f"Transferred to {to}" + (f": {note}" if note else ".")
    sender = Sender(type="agent", id=str(ctx.user.id), name=ctx.user.name or ctx.user.email)
    await outbox.enqueue(ctx.hub, conversation, text=text, sender=sender, private=True)


@inbox_view()
async def set_status(request: Request, ctx: Ctx) -> Response:
    """Resolve, reopen or set pending."""
    status = (await _form(request)).get("status", "")
    if status not in ("open", "pending", "resolved"):
        raise InvalidChange("invalid_status", "status must be open, pending or resolved")
    return await _apply(request, ctx, {"status": status})


def wake_time(local: str, tz_offset_minutes: str) -> dt.datetime:
    """A ``datetime-local`` value in the browser's zone (JS ``getTimezoneOffset``) as UTC."""
    try:
        naive = dt.datetime.fromisoformat(local)
        offset = int(tz_offset_minutes or "0")
    except ValueError:
        raise InvalidChange("invalid_time", "give the wake-up time as date and time") from None
    if naive.tzinfo is not None or not -900 <= offset <= 900:
        raise InvalidChange("invalid_time", "give the wake-up time as date and time")
    return (naive + dt.timedelta(minutes=offset)).replace(tzinfo=dt.UTC)


@inbox_view()
async def snooze(request: Request, ctx: Ctx) -> Response:
    form = await _form(request)
    until = wake_time(form.get("until", ""), form.get("tz", "0"))
    if until <= now():
        raise InvalidChange("snooze_in_past", "the wake-up time must be in the future")
    return await _apply(request, ctx, {"status": "snoozed", "snoozed_until": until})


@inbox_view()
async def labels(request: Request, ctx: Ctx) -> Response:
    raw = (await _form(request)).get("labels", "")
    return await _apply(request, ctx, {"labels": [x for x in raw.split(",") if x.strip()]})


@inbox_view()
async def priority(request: Request, ctx: Ctx) -> Response:
    return await _apply(request, ctx, {"priority": (await _form(request)).get("priority", "")})


routes = [
    Route("/inbox/c/{id}/assign", assign, methods=["POST"]),
    Route("/inbox/c/{id}/status", set_status, methods=["POST"]),
    Route("/inbox/c/{id}/snooze", snooze, methods=["POST"]),
    Route("/inbox/c/{id}/labels", labels, methods=["POST"]),
    Route("/inbox/c/{id}/priority", priority, methods=["POST"]),
]
