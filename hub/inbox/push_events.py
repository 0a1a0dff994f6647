"""Web Push from the inbox's own notifications: which change becomes which push, for whom.

The same changes that make the inbox's ``notify`` signals (``hub.inbox.frames``) become
pushes to the users' devices: a conversation assigned to them, a customer's reply in one
of theirs, an @mention, a whisper, an SLA breach of theirs. Every ``parley serve`` reads
the change stream and stores one push per (device, change) under a unique key, so the
push is stored once however many processes saw it; ``hub.integrations.push_delivery``
sends it. The payload is ``{"kind", "conversation_id", "title", "body", "url"}`` in the
user's language, the body cut short: the push service sees only ciphertext, but a lock
screen shows it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from beanie import PydanticObjectId

from hub.contract import now
from hub.errors import NotFound
from hub.integrations.event_webhooks import event_key
from hub.models import Account, User
from hub.models.push import PushDelivery
from hub.pipeline.fan_out import InterestedFanOut
from hub.pipeline.realtime import Event
from hub.store import accounts, conversations, users
from hub.store import push as store
from hub.store.ids import try_id
from hub.web import i18n
from hub.web.i18n import gettext as _

log = logging.getLogger(__name__)
BODY_CHARS = 120


@dataclass(frozen=True)
class Target:
    """One push to make: for whom, of which kind, about which conversation, saying what."""

    user_id: PydanticObjectId
    kind: str
    conversation_id: str | None
    who: str = ""
    text: str = ""


def _id(value: object) -> PydanticObjectId | None:
    """An id from a change's field; None when absent (``try_id(None)`` would make a new one)."""
    return try_id(value) if value else None


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


async def targets(event: Event) -> list[Target]:
    """Who is told of this change, and what (one read for a reply: its conversation's
    assignee)."""
    data, account_id = event.data, event.account_id
    if account_id is None:
        return []
    if event.type == "notification.created" and data.get("kind") == "mention":
        user = _id(data.get("user_id"))
        if user is None:
            return []
        conv = str(data.get("conversation_id") or "") or None
        return [Target(user, "mention", conv, _str(data.get("by")), _str(data.get("text")))]
    if event.type == "message.created":
        return await _message(account_id, data)
    if event.type in ("conversation.created", "conversation.updated"):
        return _conversation(event)
    return []


async def _message(account_id: PydanticObjectId, data: dict[str, object]) -> list[Target]:
    conv = str(data.get("conversation_id") or "")
    sender = data.get("sender")
    who = _str(sender.get("name")) if isinstance(sender, dict) else ""
    if data.get("visibility") == "whisper":
        meta = data.get("metadata")
        to = _id(meta.get("whisper_to")) if isinstance(meta, dict) else None
        return [] if to is None else [Target(to, "whisper", conv, who, _str(data.get("text")))]
    if data.get("direction") != "in" or data.get("automated") or not conv:
        return []
    try:
        conversation = await conversations.get_conversation(account_id, conv)
    except NotFound:
        return []
    assignee = _id(conversation.assignee_id)
    if assignee is None or conversation.status == "resolved":
        return []
    name = conversation.contact_name or who
    return [Target(assignee, "reply", conv, name or "", _str(data.get("text")))]


def _conversation(event: Event) -> list[Target]:
    data = event.data
    assignee = _id(data.get("assignee_id"))
    if assignee is None or data.get("status") == "resolved":
        return []
    conv = str(data.get("_id"))
    name = _str(data.get("contact_name"))
    found: list[Target] = []
    if event.type == "conversation.created" or "assignee_id" in event.changed:
        found.append(
            Target(assignee, "assigned", conv, name, _str(data.get("last_message_preview")))
        )
    if "sla_breached_at" in event.changed and data.get("sla_breached_at"):
        found.append(Target(assignee, "sla", conv, name))
    return found


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1] + "…"


def payload(target: Target) -> str:
    """The push's JSON in the current language (``i18n.speaking``)."""
    titles = {
        "assigned": _("New conversation for you"),
        "reply": _("The customer replied"),
        "mention": _("You were mentioned"),
        "whisper": _("A supervisor whispered"),
        "sla": _("A conversation of yours breached its SLA"),
        "test": _("Test notification from Parley"),
    }
    if target.kind == "test":
        body = _("Notifications work on this device.")
    elif target.who and target.text:
        body = f"{target.who}: {target.text}"
    else:
        body = target.who or target.text
    conv = target.conversation_id
    return json.dumps(
        {
            "kind": target.kind,
            "conversation_id": conv,
            "title": titles.get(target.kind, "Parley"),
            "body": _short(body),
            "url": f"/inbox/c/{conv}" if conv else "/inbox",
        },
        ensure_ascii=False,
    )


def speech(user: User, account: Account | None) -> i18n.Speech:
    language = i18n.negotiate(user.language, account.language if account else None, None)
    return i18n.Speech(language, user.timezone or "UTC")


async def queue(account_id: PydanticObjectId, target: Target, key: str) -> int:
    """Store the push of ``target`` for each of the user's devices that takes its kind."""
    devices = await store.receivers(account_id, target.user_id, target.kind)
    if not devices:
        return 0
    user = await users.active_user_in_account(account_id, target.user_id)
    if user is None:
        return 0
    with i18n.speaking(speech(user, await accounts.get_account(account_id))):
        body = payload(target)
    at = now()
    pushes = [
        PushDelivery(
            account_id=account_id,
            subscription_id=device.id,
            user_id=target.user_id,
            event_key=key,
            kind=target.kind,
            payload=body,
            due=at,
            created_at=at,
        )
        for device in devices
        if device.id is not None
    ]
    return await store.queue(pushes)


class PushFanOut(InterestedFanOut):
    """Stores the pushes of the process's change events; one per process."""

    interest_kinds = ("push_subscription",)
    event_kinds = ("message", "conversation", "notification")
    what = "push events"
    task_name = "parley-push-events"

    async def interested_accounts(self) -> set[PydanticObjectId]:
        return await store.accounts_with_devices_all_accounts()

    async def deliver(self, event: Event) -> int:
        assert event.account_id is not None
        stored = 0
        for target in await targets(event):
            stored += await queue(event.account_id, target, f"{target.kind}:{event_key(event)}")
        return stored
