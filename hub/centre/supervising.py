"""Supervising a live conversation: whisper to its agent, take it over, and who sees a whisper.

A whisper is a private note (never sent, never in outbound webhooks or bot
deliveries) with ``visibility: "whisper"``; only the conversation's assignee at
the time (``metadata.whisper_to``) and supervisors or admins see it. Take-over
assigns the conversation to the supervisor and leaves a note naming the agent it
was taken from (``metadata.taken_from``), which the agent's live stream announces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.centre import changes
from hub.models import Conversation, Message, Sender, User
from hub.models.user import ROLE_RANK
from hub.pipeline import outbox
from hub.store import conversations
from hub.store import users as user_store
from hub.store.ids import try_id

if TYPE_CHECKING:
    from hub.pipeline.services import Hub


class NotSupervisor(PermissionError):
    """Whisper and take-over need the supervisor (or admin) role."""


def is_supervisor(user: User) -> bool:
    return ROLE_RANK[user.role] >= ROLE_RANK["supervisor"]


def sees(user: User, message: Message) -> bool:
    """Whether ``user`` may see ``message``: whispers only for their addressee and supervisors."""
    if message.visibility != "whisper":
        return True
    return is_supervisor(user) or message.metadata.get("whisper_to") == str(user.id)


def visible(user: User, messages: list[Message]) -> list[Message]:
    return [m for m in messages if sees(user, m)]


def _sender(user: User) -> Sender:
    return Sender(type="agent", id=str(user.id), name=user.name or user.email)


async def whisper(hub: Hub, conversation: Conversation, supervisor: User, text: str) -> Message:
    """A note for the conversation's assignee (and supervisors) only."""
    if not is_supervisor(supervisor):
        raise NotSupervisor("whispering needs the supervisor role")
    if not text.strip():
        raise conversations.InvalidChange("empty_whisper", "a whisper needs some text")
    return await outbox.enqueue(
        hub, conversation, text=text.strip(), sender=_sender(supervisor), whisper=True
    )


async def take_over(hub: Hub, conversation: Conversation, supervisor: User) -> Conversation:
    """Assign the conversation to ``supervisor``; a note records from whom it was taken."""
    if not is_supervisor(supervisor):
        raise NotSupervisor("taking over needs the supervisor role")
    previous = conversation.assignee_id
    if previous == str(supervisor.id):
        return conversation
    actor = {"type": "user", "id": str(supervisor.id)}
    updated = await changes.update_conversation(
        conversation.account_id,
        str(conversation.id),
        {"assignee_id": str(supervisor.id)},
        actor,
        hub,
    )
    who = supervisor.name or supervisor.email
    from_name = await _name(conversation, previous)
    text = f"{who} took over this conversation" + (f" from {from_name}." if from_name else ".")
    await outbox.enqueue(
        hub, updated, text=text, sender=_sender(supervisor), private=True,
        metadata={"taken_from": previous, "taken_by": str(supervisor.id)},
    )  # fmt: skip
    return updated


async def _name(conversation: Conversation, user_id: str | None) -> str | None:
    found = try_id(user_id) if user_id else None
    if found is None:
        return None
    user = await user_store.get_user(conversation.account_id, found)
    return (user.name or user.email) if user else None
