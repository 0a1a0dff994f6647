"""Messages: the account's messages in their conversations."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from hub.models import Message

# ---- added by rules


async def insert_message_once(message: Message) -> bool:
    """Store ``message``; False when the provider already delivered it (its unique key)."""
    try:
        await message.insert()
    except DuplicateKeyError:
        return False
    return True
