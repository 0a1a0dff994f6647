"""Typing indicators: ephemeral, and carried between processes by the change stream.

One small document per (conversation, side) is upserted on every change
(``hub.store.widget.set_typing``); its change event (``typing.created``/``typing.updated``
in ``hub.pipeline.realtime``) reaches the widget's and the inbox's streams in every
process. Indicators expire on the client after ``TTL`` seconds, and a TTL index
removes stale documents.
"""

from __future__ import annotations

import datetime as dt

from beanie import PydanticObjectId

from hub import widget_services
from hub.widget_services import Database, TypingSide

TTL = dt.timedelta(seconds=8)
Side = TypingSide


async def set_typing(
    database: Database,
    *,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    side: Side,
    typing: bool,
    name: str | None = None,
) -> None:
    await widget_services.set_typing(
        database,
        account_id=account_id,
        conversation_id=conversation_id,
        side=side,
        typing=typing,
        name=name,
        ttl=TTL,
    )
