"""The conversation view: the thread rendered per channel, its live refresh, and its media.

``render_conversation`` builds the one context the page and all its fragments
(header, messages, composer, contact panel) are rendered from, so an action
or a reply answers with exactly the block it changed.
"""

from __future__ import annotations

from typing import Any, TypedDict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import supervising
from hub.contract import Capabilities, now
from hub.inbox import assist, contacts, directory
from hub.models import Conversation
from hub.pipeline import senders
from hub.store import conversations, labels
from hub.store import messages as message_store
from hub.tenants.auth import has_role
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.layout import layout_context

THREAD_LIMIT = 200
#: Media a browser may show inline; anything else downloads (an HTML or SVG file never renders).
INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/", "video/")


#: What the composer shows: the kind of message, what was typed, and a refusal's words.
ComposerState = TypedDict(
    "ComposerState",
    {
        "kind": str, "text": str, "subject": str, "cc": str, "template": str, "error": str,
        "from": str, "translate_to": str,
    },
)  # fmt: skip


def composer_state(
    kind: str = "reply", text: str = "", subject: str = "", cc: str = "", template: str = "",
    error: str = "", sender: str = "", translate_to: str = "",
) -> ComposerState:  # fmt: skip
    """The composer's state; ``sender`` is the form's ``from`` (the number written from),
    ``translate_to`` the language a refused reply was to be translated to (kept ticked)."""
    return {
        "kind": kind, "text": text, "subject": subject, "cc": cc, "template": template,
        "error": error, "from": sender, "translate_to": translate_to,
    }  # fmt: skip


def _templates(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The channel's message templates as ``{"key", "label", "template"}``, whatever their shape."""
    found = []
    for item in config.get("templates") or []:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            continue
        key = str(item.get("name") or item.get("sid") or "")
        if key:
            label = str(item.get("label") or item.get("body") or key)
            found.append({"key": key, "label": label[:120], "template": item})
    return found


async def _channel_context(ctx: Ctx, conversation: Conversation) -> dict[str, Any]:
    resolved = await ctx.hub.channels.resolve(conversation.channel_id)
    if resolved is not None and resolved.account_id != ctx.account_id:
        resolved = None
    channel = resolved.document if resolved else None
    caps, label, usable = Capabilities(), conversation.channel_type, False
    if resolved is not None:
        caps, usable = resolved.capabilities, True
        label = resolved.connector.label or resolved.type
    window_open = True
    if caps.reply_window is not None:
        last = conversation.last_inbound_at
        window_open = last is not None and now() - last <= caps.reply_window
    return {
        "channel": channel,
        "channel_label": label,
        "caps": caps,
        "can_send": usable,
        "window_open": window_open,
        "window_hours": int(caps.reply_window.total_seconds() // 3600) if caps.reply_window else 0,
        "templates": _templates(channel.config) if channel and caps.templates else [],
        # Several senders: the composer offers the channel's numbers, the one written to first.
        "senders": senders.senders(channel) if channel else [],
        "default_sender": senders.choose(channel, conversation, None) if channel else None,
    }


async def render_conversation(
    request: Request,
    ctx: Ctx,
    conversation: Conversation,
    block: str | None = None,
    composer: ComposerState | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    await conversations.mark_read(ctx.account_id, conversation)
    messages = await message_store.recent_messages(ctx.account_id, conversation, THREAD_LIMIT)
    state = composer or composer_state()
    if not state["subject"] and conversation.subject:
        subject = conversation.subject
        state["subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
    context = {
        **await layout_context(ctx),
        **await _channel_context(ctx, conversation),
        **await contacts.panel(ctx.account, conversation),
        "c": conversation,
        "messages": supervising.visible(ctx.user, messages),
        "supervisor": supervising.is_supervisor(ctx.user),
        "origin": next(
            (m.metadata["page_origin"] for m in messages if m.metadata.get("page_origin")), None
        ),
        "names": await directory.load(ctx.account_id, directory.icons_of(ctx.hub)),
        "composer": state,
        "can_reassign": can_reassign(ctx, conversation),
        "label_colours": await labels.colours_of(ctx.account_id, conversation.labels),
        # Which assist buttons show, and the customer's language: from what is loaded already.
        **assist.page_context(ctx.account, ctx.user, messages),
    }
    return pages.render(
        request, "inbox/conversation.html", context, status, headers or {}, block=block
    )


def can_reassign(ctx: Ctx, conversation: Conversation) -> bool:
    """Agents hand over what is theirs or nobody's; taking a colleague's needs a supervisor."""
    mine_or_free = conversation.assignee_id in (None, str(ctx.user.id))
    return mine_or_free or has_role(ctx.user, "supervisor")


@inbox_view()
async def show(request: Request, ctx: Ctx) -> Response:
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    return await render_conversation(request, ctx, conversation)


@inbox_view()
async def show_contact(request: Request, ctx: Ctx) -> Response:
    """The contact panel of a conversation, as its fragment."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    return await render_conversation(request, ctx, conversation, block="contact")


@inbox_view()
async def media(request: Request, ctx: Ctx) -> Response:
    """An attachment of the signed-in user's account (another account's id: 404)."""
    data, content_type = await ctx.hub.media.get(ctx.account_id, request.path_params["id"])
    inline = content_type.startswith(INLINE_TYPES)
    headers = {
        "Content-Disposition": "inline" if inline else "attachment",
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Cache-Control": "private, max-age=3600",
    }
    return Response(
        data, media_type=content_type if inline else "application/octet-stream", headers=headers
    )


routes = [
    Route("/inbox/c/{id}", show, methods=["GET"]),
    Route("/inbox/media/{id}", media, methods=["GET"]),
    Route("/inbox/c/{id}/contact", show_contact, methods=["GET"]),
]
