"""Bulk actions in the list: the conversations an agent selected, assigned, transferred,
labelled, snoozed or resolved at once, each through ``hub.centre.changes`` as one would be.

The answer is one toast for the whole: how many changed, and why the others did not.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.centre import changes as conversation_changes
from hub.centre.changes import BulkError
from hub.inbox.actions import preset_time
from hub.inbox.thread import can_reassign
from hub.models import Conversation
from hub.store.conversations import InvalidChange
from hub.web import pages
from hub.web.guard import Ctx, inbox_view
from hub.web.i18n import gettext as _
from hub.web.i18n import ngettext

#: Fields that hand a conversation to someone: an agent may only hand over their own or free ones.
HANDING = ("assignee_id", "team_id")


def _changes(ctx: Ctx, form: dict[str, str]) -> dict[str, Any]:
    action = form.get("action", "")
    if action == "resolve":
        return {"status": "resolved"}
    if action == "assign_me":
        return {"assignee_id": str(ctx.user.id)}
    if action == "assign":
        return {"assignee_id": form.get("assignee") or None}
    if action == "team":
        return {"team_id": form.get("team") or None}
    if action == "label":
        names = [x for x in form.get("label", "").split(",") if x.strip()]
        if not names:
            raise InvalidChange("no_label", _("Type the label to add."))
        return {"add_labels": names}
    if action.startswith("snooze:"):
        until = preset_time(action.removeprefix("snooze:"), form.get("tz", "0"))
        return {"status": "snoozed", "snoozed_until": until}
    raise InvalidChange("invalid_action", _("Choose what to do with the selected conversations."))


@inbox_view()
async def bulk(request: Request, ctx: Ctx) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    ids = [x.strip() for x in form.get("ids", "").split(",") if x.strip()]
    if not ids:
        raise InvalidChange("nothing_selected", _("Select one or more conversations first."))
    if len(ids) > conversation_changes.MAX_BULK:
        raise InvalidChange(
            "too_many",
            _("At most %(count)s conversations at once.")
            % {"count": conversation_changes.MAX_BULK},
        )
    changes = _changes(ctx, form)

    def refuse(conversation: Conversation) -> BulkError | None:
        handing = any(name in changes for name in HANDING)
        if handing and not can_reassign(ctx, conversation):
            message = _("Only a supervisor can take a colleague's conversation.")
            return BulkError(str(conversation.id), "not_allowed", message)
        return None

    actor = {"type": "user", "id": str(ctx.user.id)}
    result = await conversation_changes.bulk_update(ctx.account_id, ids, changes, actor, refuse)
    done = ngettext(
        "%(num)d conversation changed.", "%(num)d conversations changed.", result.updated
    ) % {"num": result.updated}
    if not result.errors:
        response = Response(status_code=204, headers={"HX-Trigger": "bulk-done, conv-changed"})
        return pages.toast(response, done)
    failed = len(result.errors)
    refused = ngettext(
        "%(num)d was not changed: %(reason)s", "%(num)d were not changed: %(reason)s", failed
    ) % {"num": failed, "reason": result.errors[0].message}
    response = Response(status_code=204, headers={"HX-Trigger": "bulk-done, conv-changed"})
    return pages.toast(response, f"{done} {refused}", "ok" if result.updated else "error")


routes = [Route("/inbox/bulk", bulk, methods=["POST"])]
