"""A summary as a private note when a conversation is transferred or a bot hands it over.

``hub.centre.changes`` (the one path of a handling change) calls ``summary_note_later``
when a change moves the conversation to another person or team, or from a bot to people,
and the caller gave it the hub. The note is made off the request path
(``hub.background``): the endpoint is never waited on by the change's request. With
``summarize`` off (or assist not set), nothing happens; a failing endpoint is logged and
the hand-over stands without a note.
"""

from __future__ import annotations

import logging
from typing import Literal

from beanie import PydanticObjectId

from hub.assist.errors import AssistError
from hub.assist.features import summarize
from hub.assist.settings import features_on
from hub.errors import HubError
from hub.models import Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.store.accounts import get_account
from hub.store.conversations import get_conversation

__all__ = ["NOTE_SENDER", "summary_note", "summary_note_later"]

log = logging.getLogger(__name__)

Why = Literal["transfer", "handover"]
#: Who a summary note is from in the thread.
NOTE_SENDER = Sender(type="system", name="Assist")
PREFIX = {
    "transfer": "Summary for the hand-over: ",
    "handover": "Summary of the bot's conversation: ",
}


def summary_note_later(
    hub: Hub, account_id: PydanticObjectId, conversation_id: PydanticObjectId, why: Why
) -> None:
    """Make the note in the background (returns at once)."""
    hub.background.spawn(
        summary_note(hub, account_id, conversation_id, why),
        name=f"assist-summary-{conversation_id}",
    )


async def summary_note(
    hub: Hub, account_id: PydanticObjectId, conversation_id: PydanticObjectId, why: Why
) -> bool:
    """Add the conversation's summary as a private note; True when one was added."""
    account = await get_account(account_id)
    if account is None or "summarize" not in features_on(account):
        return False
    try:
        text = await summarize(hub, account, conversation_id, None)
        conversation = await get_conversation(account_id, conversation_id)
        await outbox.enqueue(
            hub, conversation, text=PREFIX[why] + text, sender=NOTE_SENDER, private=True
        )
    except AssistError as exc:
        log.info("no summary note on %s: %s", conversation_id, exc.message)
        return False
    except HubError as exc:  # the conversation or its channel went meanwhile
        log.info("no summary note on %s: %s", conversation_id, exc)
        return False
    return True
