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

from hub.centre import changes as conversation_changes
from hub.contract import now
from hub.inbox import directory
from hub.inbox.thread import can_reassign, render_conversation
from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.store import conversations
from hub.store.conversations import InvalidChange
from hub.web import i18n, pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.i18n import gettext as _


async def _apply(request: Request, ctx: Ctx, changes: dict[str, Any], message: str) -> Response:
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    await conversation_changes.update_conversation(
        ctx.account_id, str(conversation.id), changes, _actor(ctx), ctx.hub
    )
    return _done(request, conversation, message)


def _actor(ctx: Ctx) -> dict[str, Any]:
    return {"type": "user", "id": str(ctx.user.id)}


def _done(request: Request, conversation: Conversation, message: str) -> Response:
    """Refresh the header and thread, and confirm the action with a toast."""
    return pages.done(
        request, f"/inbox/c/{conversation.id}", message, "conv-changed", "thread-changed"
    )


async def _form(request: Request) -> dict[str, str]:
    return {k: v for k, v in (await request.form()).items() if isinstance(v, str)}


@inbox_view()
async def assign(request: Request, ctx: Ctx) -> Response:
    """Assign to me, to an agent, or to a team; a note turns it into a transfer."""
    form = await _form(request)
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    if not can_reassign(ctx, conversation):
        return error_page(request, 403, _("Only a supervisor can take a colleague's conversation."))
    changes: dict[str, Any] = {}
    assignee = form.get("assignee", "")
    changes["assignee_id"] = str(ctx.user.id) if assignee == "me" else (assignee or None)
    if "team" in form:
        changes["team_id"] = form["team"] or None
    updated = await conversation_changes.update_conversation(
        ctx.account_id, str(conversation.id), changes, _actor(ctx), ctx.hub
    )
    note = form.get("note", "").strip()
    if note or (updated.assignee_id != conversation.assignee_id and assignee != "me"):
        await _transfer_note(ctx, updated, note)
    message = (
        _("Assigned to you.") if assignee == "me" else _("Saved: the conversation is handed over.")
    )
    if pages.is_htmx(request) and form.get("panel") == "actions":
        # The actions panel comes back fresh: the transfer note is cleared once saved.
        response = await render_conversation(
            request, ctx, updated, "actions",
            headers={"HX-Trigger": "conv-changed, thread-changed"},
        )  # fmt: skip
        return pages.toast(response, message)
    return _done(request, updated, message)


async def _transfer_note(ctx: Ctx, conversation: Conversation, note: str) -> None:
    """A private note in the thread saying who handed the conversation to whom, and why."""
    names = await directory.load(ctx.account_id)
    to = names.user_name(conversation.assignee_id) or _("nobody")
    if conversation.team_id:
        to += " (" + _("team %(name)s") % {"name": names.team_name(conversation.team_id)} + ")"
    text = (
        _("Transferred to %(to)s: %(note)s") % {"to": to, "note": note}
        if note
        else _("Transferred to %(to)s.") % {"to": to}
    )
    sender = Sender(type="agent", id=str(ctx.user.id), name=ctx.user.name or ctx.user.email)
    await outbox.enqueue(ctx.hub, conversation, text=text, sender=sender, private=True)


@inbox_view()
async def set_status(request: Request, ctx: Ctx) -> Response:
    """Resolve, reopen or set pending."""
    status = (await _form(request)).get("status", "")
    if status not in ("open", "pending", "resolved"):
        raise InvalidChange("invalid_status", "status must be open, pending or resolved")
    message = {
        "resolved": _("Resolved."),
        "open": _("Reopened."),
        "pending": _("Set to pending."),
    }[status]
    return await _apply(request, ctx, {"status": status}, message)


def wake_time(local: str, tz_offset_minutes: str) -> dt.datetime:
    """A ``datetime-local`` value in the browser's zone (JS ``getTimezoneOffset``) as UTC."""
    try:
        naive = dt.datetime.fromisoformat(local)
        offset = int(tz_offset_minutes or "0")
    except ValueError:
        raise InvalidChange("invalid_time", _("Give the wake-up time as date and time.")) from None
    if naive.tzinfo is not None or not -900 <= offset <= 900:
        raise InvalidChange("invalid_time", _("Give the wake-up time as date and time."))
    return (naive + dt.timedelta(minutes=offset)).replace(tzinfo=dt.UTC)


def preset_time(preset: str, tz_offset_minutes: str, at: dt.datetime | None = None) -> dt.datetime:
    """A snooze preset in the browser's zone: ``1h``, ``tomorrow`` 09:00, next ``week`` (Monday
    09:00), as UTC."""
    at = at or now()
    try:
        offset = dt.timedelta(minutes=int(tz_offset_minutes or "0"))
    except ValueError:
        offset = dt.timedelta(0)
    if preset == "1h":
        return at + dt.timedelta(hours=1)
    local = (at - offset).replace(tzinfo=None)
    if preset == "tomorrow":
        day = local.date() + dt.timedelta(days=1)
    elif preset == "week":
        day = local.date() + dt.timedelta(days=7 - local.weekday())
    else:
        raise InvalidChange("invalid_time", _("Pick a snooze time."))
    wake = dt.datetime.combine(day, dt.time(9, 0)) + offset
    return wake.replace(tzinfo=dt.UTC)


@inbox_view()
async def snooze(request: Request, ctx: Ctx) -> Response:
    form = await _form(request)
    if form.get("preset"):
        until = preset_time(form["preset"], form.get("tz", "0"))
    else:
        until = wake_time(form.get("until", ""), form.get("tz", "0"))
    if until <= now():
        raise InvalidChange("snooze_in_past", _("The wake-up time must be in the future."))
    with_time = _("Snoozed until %(when)s.") % {"when": i18n.format_datetime(until, "short")}
    return await _apply(request, ctx, {"status": "snoozed", "snoozed_until": until}, with_time)


@inbox_view()
async def labels(request: Request, ctx: Ctx) -> Response:
    raw = (await _form(request)).get("labels", "")
    found = [x for x in raw.split(",") if x.strip()]
    return await _apply(request, ctx, {"labels": found}, _("Labels saved."))


@inbox_view()
async def priority(request: Request, ctx: Ctx) -> Response:
    value = (await _form(request)).get("priority", "")
    return await _apply(request, ctx, {"priority": value}, _("Priority set."))


routes = [
    Route("/inbox/c/{id}/assign", assign, methods=["POST"]),
    Route("/inbox/c/{id}/status", set_status, methods=["POST"]),
    Route("/inbox/c/{id}/snooze", snooze, methods=["POST"]),
    Route("/inbox/c/{id}/labels", labels, methods=["POST"]),
    Route("/inbox/c/{id}/priority", priority, methods=["POST"]),
]
