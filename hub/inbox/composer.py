"""The composer: replies, private notes, templates, attachments, retries, canned answers.

A reply is stored by ``hub.pipeline.outbox.enqueue`` and sent by the dispatcher, never
from here. A refusal (a ``hub.errors`` error) comes back in the composer, readable,
with what the agent typed kept; attachments stored for a refused reply are
removed again, so nothing half-written stays.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub import assist
from hub.centre import notifications, supervising
from hub.contract import Attachment, Capabilities, one_line
from hub.errors import HubError
from hub.inbox import assist as assist_views
from hub.inbox.thread import _templates, composer_state, render_conversation
from hub.models import CannedResponse, Channel, Conversation, Sender
from hub.pipeline import outbox
from hub.pipeline.channels import ResolvedChannel
from hub.store import canned, conversations
from hub.store import messages as message_store
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_ATTACHMENTS = 10
CANNED_TOKEN = re.compile(r"(?:^|\s)/([\w-]{0,40})$")
#: A ``/word`` standing alone in a reply: an unexpanded canned answer when a shortcut starts so.
BARE_SHORTCUT = re.compile(r"(?:^|\s)/([\w-]{1,40})(?=$|[\s.,;:!?])")


class ComposerError(Exception):
    """A reply refused before the outbox saw it (bad cc, oversize file, unknown template)."""


def _sender(ctx: Ctx) -> Sender:
    return Sender(type="agent", id=str(ctx.user.id), name=ctx.user.name or ctx.user.email)


def _cc(raw: str) -> list[str]:
    found = [part.strip() for part in re.split(r"[,;]", raw) if part.strip()]
    bad = [x for x in found if not EMAIL_RE.match(x)]
    if bad:
        raise ComposerError(f"Not an email address: {', '.join(bad)}")
    return found


def _template(channel: Channel | None, key: str, variables: str) -> dict[str, Any] | None:
    if not key:
        return None
    match = next(
        (t for t in _templates(channel.config if channel else {}) if t["key"] == key), None
    )
    if match is None:
        raise ComposerError("That template is not configured on this channel.")
    chosen = {k: v for k, v in match["template"].items() if k in ("name", "sid", "language")}
    pairs = [p.split("=", 1) for p in re.split(r",\s*", variables) if "=" in p]
    chosen["variables"] = {k.strip(): v.strip() for k, v in pairs if k.strip()}
    return chosen


async def _store_files(
    ctx: Ctx, channel: ResolvedChannel | None, form: FormData
) -> list[Attachment]:
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return []
    if len(files) > MAX_ATTACHMENTS:
        raise ComposerError(f"At most {MAX_ATTACHMENTS} attachments a message.")
    limit = channel.capabilities.max_media_bytes if channel else Capabilities().max_media_bytes
    stored: list[Attachment] = []
    for upload in files:
        data = await upload.read(limit + 1)
        if len(data) > limit:
            await _forget(ctx, stored)
            raise ComposerError(f"{upload.filename} is larger than {limit // (1024 * 1024)} MB.")
        content_type = upload.content_type or "application/octet-stream"
        stored.append(await ctx.hub.media.put(ctx.account_id, data, upload.filename, content_type))
    return stored


async def _forget(ctx: Ctx, attachments: list[Attachment]) -> None:
    for attachment in attachments:
        await ctx.hub.media.delete(attachment.id)


async def _refuse_bare_shortcut(ctx: Ctx, text: str) -> None:
    """A reply with an unexpanded ``/shortcut`` of a canned answer is refused, never sent.

    The composer's pop-up inserts answers (Enter, Tab or a click); this catches a reply sent
    before the pop-up appeared, or without the script. Only words that start a shortcut of
    the account count, so "/path" in a sentence still goes out.
    """
    tokens = list(dict.fromkeys(m.group(1).lower() for m in BARE_SHORTCUT.finditer(text)))[:5]
    found = await canned.canned_for_any(ctx.account_id, tokens)
    if found is None:
        return
    token = next(t for t in tokens if found.shortcut.lower().startswith(t))
    raise ComposerError(
        _(
            "“/%(token)s” was not sent: it is the start of the canned answer /%(shortcut)s. "
            "Choose the answer with Enter or Tab, or remove the slash."
        )
        % {"token": token, "shortcut": found.shortcut}
    )


async def _send(ctx: Ctx, conversation: Conversation, form: FormData) -> None:
    text = str(form.get("text", "")).strip()
    if form.get("kind") == "whisper":
        try:
            await supervising.whisper(ctx.hub, conversation, ctx.user, text)
        except (supervising.NotSupervisor, conversations.InvalidChange) as exc:
            raise ComposerError(getattr(exc, "message", None) or str(exc)) from None
        return
    if form.get("kind") == "note":
        if not text:
            raise ComposerError("A note needs some text.")
        await outbox.enqueue(ctx.hub, conversation, text=text, sender=_sender(ctx), private=True)
        assert conversation.id is not None
        await notifications.notify_mentions(ctx.account_id, conversation.id, text, ctx.user)
        return
    await _refuse_bare_shortcut(ctx, text)
    channel = await ctx.hub.channels.resolve(conversation.channel_id)
    template = _template(
        channel.document if channel else None,
        str(form.get("template", "")),
        str(form.get("variables", "")),
    )
    cc = _cc(str(form.get("cc", "")))
    subject = str(form.get("subject", "")).strip() or None
    if subject is not None:
        try:
            one_line(subject)
        except ValueError:
            raise ComposerError(_("Subject: one line, without line breaks.")) from None
    attachments = await _store_files(ctx, channel, form)
    sent_from = str(form.get("from", "")).strip() or None
    original = None
    try:
        translate_to = str(form.get("translate_to", "")).strip()
        if translate_to and text:  # the agent's words go out translated (assist)
            done = await assist.translated_reply(
                ctx.hub, ctx.account, text, translate_to, ctx.user, conversation.id
            )
            text, original = done.text, done.original_text
        await outbox.enqueue(
            ctx.hub, conversation, text=text, sender=_sender(ctx), attachments=attachments,
            template=template, subject=subject, metadata={"cc": cc} if cc else None,
            from_address=sent_from, original_text=original,
        )  # fmt: skip
    except assist.AssistError as exc:
        await _forget(ctx, attachments)
        raise ComposerError(assist_views.note_for(exc, "translate")) from None
    except HubError:
        await _forget(ctx, attachments)
        raise


@inbox_view()
async def reply(request: Request, ctx: Ctx) -> Response:
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    form = await request.form()
    try:
        await _send(ctx, conversation, form)
    except (ComposerError, HubError) as exc:

        def kept(name: str) -> str:
            return str(form.get(name, ""))

        state = composer_state(
            kept("kind"), kept("text"), kept("subject"), kept("cc"), kept("template"),
            error=getattr(exc, "message", None) or str(exc), sender=kept("from"),
            translate_to=kept("translate_to"),
        )  # fmt: skip
        return await render_conversation(request, ctx, conversation, "composer", state, 422)
    kind = str(form.get("kind")) if form.get("kind") in ("note", "whisper") else "reply"
    return await render_conversation(
        request, ctx, conversation, "composer", composer_state(kind=kind),
        headers={"HX-Trigger": "thread-changed"},
    )  # fmt: skip


@inbox_view()
async def retry(request: Request, ctx: Ctx) -> Response:
    """Queue a failed message again (the dispatcher sends it like a new reply)."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    message = await message_store.get_message(ctx.account_id, request.path_params["mid"])
    if message.conversation_id != conversation.id:
        raise conversations.NotFound(request.path_params["mid"])
    assert message.id is not None
    await outbox.requeue(ctx.account_id, message.id)
    return pages.changed(request, f"/inbox/c/{conversation.id}", "thread-changed")


@inbox_view()
async def suggest(request: Request, ctx: Ctx) -> Response:
    """Canned answers whose shortcut starts with the ``/word`` being typed at the text's end."""
    match = CANNED_TOKEN.search(request.query_params.get("text", ""))
    found: list[CannedResponse] = []
    if match is not None:
        found = await canned.canned_starting_with(ctx.account_id, match.group(1), 8)
    return pages.render(request, "inbox/canned.html", {"suggestions": found}, block="suggestions")


routes = [
    Route("/inbox/c/{id}/reply", reply, methods=["POST"]),
    Route("/inbox/c/{id}/m/{mid}/retry", retry, methods=["POST"]),
    Route("/inbox/canned/suggest", suggest, methods=["GET"]),
]
