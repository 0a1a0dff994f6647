"""The inbox's live signals: what one database change becomes on the inbox's streams.

Pure functions of an ``Event`` (``hub.inbox.events`` describes the signals); the
stream's routing (``hub.inbox.rooms``) calls them once per event, not once per stream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from sse_starlette.event import ServerSentEvent

from hub.models import User
from hub.pipeline.realtime import Event
from hub.store import conversations
from hub.tenants.auth import has_role

#: The user fields colleagues see (a change of another, e.g. a heartbeat, sends nothing).
SEEN_FIELDS = {"presence", "active", "name", "absence", "team_ids"}


def for_inbox(event: Event) -> bool:
    return event.type.split(".")[0] in (
        "message",
        "conversation",
        "user",
        "notification",
        "callback",
        "typing",
    )


# --------------------------------------------------------------------------- frames
# What each SSE event's data holds (serialized with ``json.dumps``).


class Notify(TypedDict):
    """``notify``: something for one user alone."""

    kind: str
    conversation_id: str | None
    text: str
    by: str | None


class Notice(TypedDict):
    """``notice``: a supervisor whispered to this user or took over their conversation."""

    conversation_id: str
    text: str


class Typing(TypedDict):
    """``typing``: someone is composing in a conversation."""

    conversation_id: str
    user_id: str | None
    side: str | None
    name: str | None
    typing: bool


class PresenceSignal(TypedDict):
    """``presence``: a colleague's presence changed."""

    user_id: str
    presence: str | None


class CallbackSignal(TypedDict):
    """``callbacks``: a callback was created or changed."""

    callback_id: str
    status: str | None


class MessageSignal(TypedDict):
    """``c-<conversation id>``: a message of the conversation changed."""

    message_id: str
    conversation_id: str
    delivery: str | None
    type: str


class ConversationSignal(TypedDict):
    """``inbox`` and ``c-<conversation id>``: a conversation was created or changed."""

    conversation_id: str
    type: str
    status: str | None


class SlaAlert(TypedDict):
    """``sla-breach``: a clock of the conversation breached."""

    conversation_id: str
    kind: str | None
    assignee_id: str | None
    contact: str


Frame = (
    Notify
    | Notice
    | Typing
    | PresenceSignal
    | CallbackSignal
    | MessageSignal
    | ConversationSignal
    | SlaAlert
)
#: The change's document as the change stream gives it (``Event.data``), read field by field.
Doc = Mapping[str, object]


def _text(value: object) -> str | None:
    """A document's text field (None when absent or not text)."""
    return value if isinstance(value, str) else None


def _map(value: object) -> Doc:
    """A document's sub-document (empty when absent)."""
    return value if isinstance(value, Mapping) else {}


@dataclass
class Personal:
    """What one user's stream tells them alone; ``mine`` is their open conversations."""

    user_id: str
    mine: set[str] = field(default_factory=set)

    def notices(self, event: Event) -> list[tuple[str, Notify]]:
        data, kind = event.data, event.type.split(".")[0]
        if kind == "notification":
            if data.get("user_id") != self.user_id:
                return []
            return [("notify", _notice(data.get("kind"), data.get("conversation_id"), data))]
        if kind == "conversation":
            return self._conversation(event)
        if event.type == "message.created" and data.get("visibility") == "whisper":
            if _map(data.get("metadata")).get("whisper_to") == self.user_id:
                conv = str(data.get("conversation_id"))
                return [("notify", _notice("whisper", conv, {"text": data.get("text") or ""}))]
            return []
        if event.type == "message.created" and data.get("direction") == "in":
            conv = str(data.get("conversation_id"))
            if conv in self.mine and not data.get("automated"):
                return [("notify", _notice("reply", conv, {"text": data.get("text") or ""}))]
        return []

    def _conversation(self, event: Event) -> list[tuple[str, Notify]]:
        data = event.data
        conv = str(data.get("_id"))
        ours = data.get("assignee_id") == self.user_id and data.get("status") != "resolved"
        if not ours:
            self.mine.discard(conv)
            return []
        new = conv not in self.mine
        self.mine.add(conv)
        assigned_now = event.type == "conversation.created" or "assignee_id" in event.changed
        if new and assigned_now:
            text = data.get("contact_name") or data.get("last_message_preview") or ""
            return [("notify", _notice("assigned", conv, {"text": text}))]
        return []


def _notice(kind: object, conversation_id: object, data: Doc) -> Notify:
    return {
        "kind": str(kind),
        "conversation_id": str(conversation_id) if conversation_id else None,
        "text": str(data.get("text") or "")[:140],
        "by": _text(data.get("by")),
    }


async def my_open(user: User) -> set[str]:
    """Ids of the open conversations assigned to ``user`` (bounded by their capacity)."""
    found = await conversations.open_ids_assigned_to(user.account_id, str(user.id), 500)
    return {str(id_) for id_ in found}


def notices(event: Event, user_id: str) -> list[tuple[str, Notice]]:
    """What this one user is told: a whisper addressed to them, a take-over of theirs."""
    data = event.data
    if event.type != "message.created":
        return []
    meta = _map(data.get("metadata"))
    conv = str(data.get("conversation_id"))
    who = _map(data.get("sender")).get("name") or "A supervisor"
    if data.get("visibility") == "whisper" and meta.get("whisper_to") == user_id:
        return [
            ("notice", {"conversation_id": conv, "text": f"{who} whispered: {data.get('text')}"})
        ]
    if meta.get("taken_from") == user_id and meta.get("taken_by") != user_id:
        return [("notice", {"conversation_id": conv, "text": str(data.get("text") or "")})]
    return []


def signals(event: Event) -> list[tuple[str, Frame]]:
    """The SSE events (name, data) one database change becomes."""
    data = event.data
    kind = event.type.split(".")[0]
    if kind == "notification":
        return []  # personal: see Personal.notices
    if kind == "typing":
        return [("typing", typing_payload(data))]
    if kind == "user":
        if event.type == "user.updated" and not SEEN_FIELDS & set(event.changed):
            return []  # last_seen_at and the like: nothing a colleague sees
        presence: PresenceSignal = {
            "user_id": str(data.get("_id")),
            "presence": _text(data.get("presence")),
        }
        return [("presence", presence)]
    if kind == "callback":
        callback: CallbackSignal = {
            "callback_id": str(data.get("_id")),
            "status": _text(data.get("status")),
        }
        return [("callbacks", callback)]
    if kind == "message":
        conv = str(data.get("conversation_id"))
        message: MessageSignal = {
            "message_id": str(data.get("_id")),
            "conversation_id": conv,
            "delivery": _text(data.get("delivery")),
            "type": event.type,
        }
        return [(f"c-{conv}", message)]
    conv = str(data.get("_id"))
    payload: ConversationSignal = {
        "conversation_id": conv,
        "type": event.type,
        "status": _text(data.get("status")),
    }
    found: list[tuple[str, Frame]] = [("inbox", payload), (f"c-{conv}", payload)]
    if "sla_breached_at" in event.changed:  # hub.centre.sla.clocks recorded a breach
        found.append(("sla-breach", sla_alert(data)))
    return found


def sla_alert(data: Doc) -> SlaAlert:
    breaches = _map(data.get("sla")).get("breaches") or [{}]
    last = _map(breaches[-1]) if isinstance(breaches, list) else {}
    return {
        "conversation_id": str(data.get("_id")),
        "kind": _text(last.get("kind")),
        "assignee_id": _text(data.get("assignee_id")),
        "contact": str(data.get("contact_name") or ""),
    }


def alert_for(user: User, name: str, data: Mapping[str, object]) -> bool:
    """A breach alert goes to the conversation's assignee and to supervisors and admins."""
    if name != "sla-breach":
        return True
    return data.get("assignee_id") == str(user.id) or has_role(user, "supervisor")


def typing_payload(data: Doc) -> Typing:
    return {
        "conversation_id": str(data.get("conversation_id")),
        "user_id": _text(data.get("user_id")),
        "side": _text(data.get("side")),
        "name": _text(data.get("name")),
        "typing": bool(data.get("typing")),
    }


def ends_session(event: Event, user_id: str, session_version: int) -> bool:
    """This stream's user was deactivated or had their sessions ended: the page signs out."""
    data = event.data
    if not event.type.startswith("user.") or str(data.get("_id")) != user_id:
        return False
    version = data.get("session_version", session_version)
    return data.get("active") is False or version != session_version


def records_inbound(event: Event) -> bool:
    """A conversation change made by an inbound message's arrival (``hub.store.threads.touch``
    counts it in ``messages_in``); the message itself is inserted right after."""
    if event.type == "conversation.created":
        return bool(event.data.get("messages_in"))
    return event.type == "conversation.updated" and "messages_in" in event.changed


#: Signals that only some users get (``alert_for``): not in the frames shared by all.
PERSONAL = {"sla-breach"}


def encoded(event: Event) -> bytes:
    """The event's signals as SSE bytes: made once per event, written to every stream."""
    return b"".join(
        ServerSentEvent(json.dumps(data), event=name, id=event.token).encode()
        for name, data in signals(event)
        if name not in PERSONAL
    )
