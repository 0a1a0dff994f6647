"""Assist in the conversation page: streamed reply drafts, the summary, label suggestions.

The page itself never waits on the account's model endpoint: it only reads which features
are on (``hub.assist.features_on``, from the account the gate already loaded) and the
translations stored with the messages. The endpoint is asked when the agent asks:

- ``GET /inbox/c/{id}/assist/suggestions``: server-sent events relaying
  ``hub.assist.suggest_stream`` as the drafts are written: ``draft`` (``{"index",
  "delta"}``), then ``done`` (``{"count", "note"}``) or ``failed`` (``{"code", "status",
  "note"}``: the readable note the composer shows). The agent picks a draft into the
  textarea and sends it themselves: nothing reaches the customer from here.
- ``POST /inbox/c/{id}/assist/summary``: the summary, with "Add as private note"
  (``POST /inbox/c/{id}/assist/summary/note``).
- ``POST /inbox/c/{id}/assist/labels``: chips of the account's labels to add.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence

from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub import assist
from hub.models import Account, Message, Sender, User
from hub.pipeline import outbox
from hub.store import conversations
from hub.web import i18n, pages
from hub.web.guard import Ctx, error_page, inbox_view
from hub.web.i18n import gettext as _

TEMPLATE = "inbox/assist.html"
#: A summary kept as a private note is cut at this length (a model that rambles).
NOTE_LIMIT = 4000
#: The endpoint's HTTP status in ``AssistError.message`` ("the model endpoint answered 503 …").
HTTP_STATUS = re.compile(r"\banswered (\d{3})\b")
KEEPALIVE_SECONDS = 15


def page_context(account: Account, user: User, messages: Sequence[Message]) -> dict[str, object]:
    """What the conversation page shows of assist; no query, no call to the endpoint.

    ``assist``: the features on; ``customer_language``: the language of the customer's
    newest translated message when it is not the agent's (the composer offers to send in
    it), else None. Read from the stored translations: nothing is detected per page load.
    """
    features = assist.features_on(account)
    language = None
    if "translate" in features:
        language = next(
            (
                m.translation.language
                for m in reversed(messages)
                if m.direction == "in" and m.translation is not None
            ),
            None,
        )
        if language == assist.agent_language(account, user):
            language = None
    return {"assist": features, "customer_language": language}


def note_for(error: assist.AssistError, feature: str) -> str:
    """The agent's readable note for an assist refusal or failure (in their language)."""
    if error.code == "assist_not_configured":
        return _(
            "The assistant is not set up for this account: an admin connects a model "
            "endpoint in Admin → Assist."
        )
    if error.code == "assist_feature_off":
        return _("This assistant feature is turned off for this account.")
    found = HTTP_STATUS.search(error.message)
    if found:
        detail = f"HTTP {found.group(1)}"
    elif "timed out" in error.message:
        detail = _("no answer within 30 seconds")
    elif "refused" in error.message:
        detail = _("its address is not allowed")
    elif "cannot be reached" in error.message:
        detail = _("no connection")
    elif "mid-answer" in error.message:
        detail = _("it stopped mid-answer")
    else:  # the endpoint answered, but nothing usable (or the conversation has no text yet)
        return _("The assistant could not help: %(reason)s") % {"reason": error.message}
    if feature == "translate":
        return _(
            "The reply was not sent: the assistant could not translate it (%(detail)s). "
            "Send it without translation, or try again."
        ) % {"detail": detail}
    if feature == "suggest":
        return _("The assistant is not reachable (%(detail)s). Write your reply yourself.") % {
            "detail": detail
        }
    return _("The assistant is not reachable (%(detail)s). Try again later.") % {"detail": detail}


def _event(name: str, data: dict[str, object]) -> ServerSentEvent:
    return ServerSentEvent(json.dumps(data, ensure_ascii=False), event=name)


@inbox_view()
async def suggestions(request: Request, ctx: Ctx) -> Response:
    """The reply drafts as they are written (``text/event-stream``), for the composer."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    if "text/event-stream" not in request.headers.get("accept", ""):
        # A link followed by a browser (a page load) must not spend the account's tokens.
        return error_page(request, 406, _("This is the composer's live stream of drafts."))
    assert conversation.id is not None
    speech: i18n.Speech = request.state.speech
    hub, account, user, conversation_id = ctx.hub, ctx.account, ctx.user, conversation.id

    async def events() -> AsyncIterator[ServerSentEvent]:
        drafts: set[int] = set()
        try:
            assist.assist_ready(account, "suggest")
            async for draft in assist.suggest_stream(hub, account, conversation_id, user):
                drafts.add(draft.index)
                yield _event("draft", {"index": draft.index, "delta": draft.delta})
        except assist.AssistError as exc:
            with i18n.speaking(speech):
                note = note_for(exc, "suggest")
            yield _event("failed", {"code": exc.code, "status": exc.status, "note": note})
            return
        with i18n.speaking(speech):
            note = (
                i18n.ngettext(
                    "One draft: pick it to edit it, then send.",
                    "%(count)s drafts: pick one to edit it, then send.",
                    len(drafts),
                )
                % {"count": len(drafts)}
                if drafts
                else _("The assistant wrote no draft. Write your reply yourself.")
            )
        yield _event("done", {"count": len(drafts), "note": note})

    return EventSourceResponse(
        events(), ping=KEEPALIVE_SECONDS, headers={"Cache-Control": "no-store"}
    )


async def _failure(request: Request, exc: assist.AssistError, feature: str, block: str) -> Response:
    context = {"note": note_for(exc, feature), "failed": True, "speech": request.state.speech}
    return pages.render(request, TEMPLATE, context, exc.status, block=block)


@inbox_view()
async def summary(request: Request, ctx: Ctx) -> Response:
    """The conversation's summary in the side panel, with "Add as private note"."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    assert conversation.id is not None
    try:
        text = await assist.summarize(ctx.hub, ctx.account, conversation.id, ctx.user)
    except assist.AssistError as exc:
        return await _failure(request, exc, "summarize", "summary")
    context = {"c": conversation, "summary": text.strip(), "failed": False, "csrf": ctx.csrf,
               "speech": request.state.speech}  # fmt: skip
    response = pages.render(request, TEMPLATE, context, block="summary")
    return pages.toast(response, _("Summary written."))


@inbox_view()
async def summary_note(request: Request, ctx: Ctx) -> Response:
    """The summary shown, kept as a private note in the thread (never sent to the customer)."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    text = str((await request.form()).get("text", "")).strip()[:NOTE_LIMIT]
    if not text:
        return error_page(request, 400, _("There is no summary to add."))
    sender = Sender(type="agent", id=str(ctx.user.id), name=ctx.user.name or ctx.user.email)
    note = _("Summary by the assistant:") + "\n" + text
    await outbox.enqueue(ctx.hub, conversation, text=note, sender=sender, private=True)
    message = _("Summary added as a private note.")
    if not pages.is_htmx(request):
        return pages.done(request, f"/inbox/c/{conversation.id}", message)
    # The button gives way to what it did, so the same summary is not added twice.
    context = {"speech": request.state.speech}
    headers = {"HX-Trigger": "thread-changed"}
    response = pages.render(request, TEMPLATE, context, headers=headers, block="noted")
    return pages.toast(response, message)


@inbox_view()
async def labels(request: Request, ctx: Ctx) -> Response:
    """Labels of the account the assistant finds fitting, as chips to add with one click."""
    conversation = await conversations.get_conversation(ctx.account_id, request.path_params["id"])
    assert conversation.id is not None
    try:
        found = await assist.suggest_labels(ctx.hub, ctx.account, conversation.id, ctx.user)
    except assist.AssistError as exc:
        return await _failure(request, exc, "labels", "labels")
    new = [label for label in found if label not in conversation.labels]
    context = {"suggested": new, "failed": False, "c": conversation,
               "speech": request.state.speech}  # fmt: skip
    response = pages.render(request, TEMPLATE, context, block="labels")
    message = _("Labels suggested: pick the ones to add.") if new else _("No other label fits.")
    return pages.toast(response, message)


routes = [
    Route("/inbox/c/{id}/assist/suggestions", suggestions, methods=["GET"]),
    Route("/inbox/c/{id}/assist/summary", summary, methods=["POST"]),
    Route("/inbox/c/{id}/assist/summary/note", summary_note, methods=["POST"]),
    Route("/inbox/c/{id}/assist/labels", labels, methods=["POST"]),
]
