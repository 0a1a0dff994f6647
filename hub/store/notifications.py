"""Notifications: prompts for one user (an @mention, a whisper), carried live by the change stream."""

from __future__ import annotations

from hub.models.notification import Notification


async def insert_notification(note: Notification) -> Notification:
    await note.insert()
    return note
