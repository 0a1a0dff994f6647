"""Telling one person at once: @mentions in private notes, whispers, and the inbox's own prompts.

A stored notification reaches the person's open inbox pages through the change
stream (``notification.created``), so it crosses processes like everything else.
Assignments and customer replies need no stored notification: the inbox stream
derives them from the conversation and message changes it already sees.
"""

from __future__ import annotations

import re

from beanie import PydanticObjectId

from hub.models import User
from hub.models.notification import Notification
from hub.store import notifications as notification_store
from hub.store import users as user_store

#: ``@ann``, ``@ann.lee``, ``@"Ann Lee"`` — a handle is a name's first word or an email's local part.
MENTION = re.compile(r'(?<![\w@])@(?:"([^"]{1,80})"|([\w.\-]{1,64}))')


def _handles(user: User) -> set[str]:
    found = {user.email.split("@")[0].lower()}
    if user.name:
        found.add(user.name.lower())
        found.add(user.name.split()[0].lower())
        found.add(user.name.replace(" ", ".").lower())
    return found


def mentioned(text: str, colleagues: list[User]) -> list[User]:
    """The colleagues ``text`` @mentions, each once, in the order first mentioned."""
    wanted = [(m.group(1) or m.group(2)).lower().rstrip(".") for m in MENTION.finditer(text)]
    found: list[User] = []
    for handle in wanted:
        for user in colleagues:
            if handle in _handles(user) and user not in found:
                found.append(user)
    return found


async def notify(
    account_id: PydanticObjectId,
    user_id: PydanticObjectId,
    kind: str,
    conversation_id: PydanticObjectId | None,
    text: str,
    by: str | None = None,
) -> Notification:
    note = Notification(
        account_id=account_id,
        user_id=str(user_id),  # notifications keep the user as a string id
        kind=kind,
        conversation_id=conversation_id,
        text=text[:300],
        by=by,
    )
    return await notification_store.insert_notification(note)


async def notify_mentions(
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    text: str,
    author: User,
) -> list[User]:
    """Notify everyone a private note mentions (not its author); returns them."""
    colleagues = await user_store.active_users(account_id)
    targets = [u for u in mentioned(text, colleagues) if u.id != author.id]
    for user in targets:
        assert user.id is not None
        await notify(
            account_id, user.id, "mention", conversation_id, text, author.name or author.email
        )
    return targets
