"""Agents' typing signals: one small document per (conversation, side), carried by the change stream.

The same collection and shape as the widget's indicators (``webchat_widget.indicators``),
so a visitor sees the agent typing and a supervisor's monitor sees it too, in
every process. The inbox composer posts a signal every few seconds while the agent
writes a reply; an indicator lapses after ``TTL`` on the client, and a TTL index
removes stale documents.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub.store import widget
from hub.store.database import Database

COLLECTION = "widget_typing"
TTL = dt.timedelta(seconds=8)


async def agent_typing(
    database: Database,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    user_id: str,
    name: str,
    typing: bool = True,
) -> None:
    """Record that ``user_id`` is (or stopped) composing a reply in the conversation."""
    await widget.set_typing(
        database,
        account_id=account_id,
        conversation_id=conversation_id,
        side="agent",
        typing=typing,
        name=name,
        ttl=TTL,
        user_id=user_id,
    )
