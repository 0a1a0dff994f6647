"""Chatbots registered through the chatbot API: webhook, channels, token digest, secret."""

from __future__ import annotations

import pymongo
from beanie import PydanticObjectId

from hub.models.base import TenantDocument


class Bot(TenantDocument):
    name: str
    webhook_url: str
    channel_ids: list[PydanticObjectId]
    #: SHA-256 of the bot's bearer token (shown once).
    token_digest: str
    #: Signs the bot's webhook deliveries; shown once.
    secret: str

    class Settings:
        name = "bots"
        indexes = [
            pymongo.IndexModel([("token_digest", 1)], unique=True),
            [("account_id", 1), ("created_at", 1)],
        ]
