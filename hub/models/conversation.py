"""Conversations: a thread with one contact on one channel."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pymongo
from beanie import PydanticObjectId
from pydantic import Field

from hub.contract import now
from hub.models.base import TenantDocument

Status = Literal["open", "pending", "snoozed", "resolved"]
CURRENT_THREAD = "current"


class Conversation(TenantDocument):
    channel_id: PydanticObjectId
    channel_type: str
    #: Address key of the contact (``phone:+45…``); with ``thread_key`` it names the thread.
    contact_key: str
    #: ``current`` for a chat channel's running conversation; the thread root for email;
    #: the conversation's own id once it is retired.
    thread_key: str = CURRENT_THREAD
    contact_id: PydanticObjectId | None = None
    contact_name: str | None = None
    status: Status = "open"
    handler: Literal["human", "bot"] = "human"
    bot_id: str | None = None
    assignee_id: str | None = None
    team_id: str | None = None
    labels: list[str] = []
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    subject: str | None = None
    last_message_at: dt.datetime = Field(default_factory=now)
    last_message_preview: str = ""
    last_inbound_at: dt.datetime | None = None
    #: Inbound messages since an agent last read it.
    unread: int = 0
    #: When an agent last opened it with unread messages (the web chat's "seen").
    agent_seen_at: dt.datetime | None = None
    #: When the oldest unanswered inbound message arrived; None when answered.
    waiting_since: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    #: When an outbound message last ended failed/undelivered; cleared by the next one sent.
    delivery_failed_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "conversations"
        indexes = [
            pymongo.IndexModel(
                [("account_id", 1), ("channel_id", 1), ("contact_key", 1), ("thread_key", 1)],
                unique=True,
            ),
            [("account_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("status", 1), ("last_message_at", -1)],
            [("account_id", 1), ("assignee_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("contact_id", 1)],
            # The inbox's filters: each one can lead the query with newest activity first.
            [("account_id", 1), ("handler", 1), ("status", 1), ("last_message_at", -1)],
            [("account_id", 1), ("assignee_id", 1), ("status", 1), ("last_message_at", -1)],
            [("account_id", 1), ("channel_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("team_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("labels", 1), ("last_message_at", -1)],
            [("account_id", 1), ("contact_name", 1)],
            [("account_id", 1), ("contact_key", 1)],
            [("status", 1), ("resolved_at", 1)],
            [("status", 1), ("snoozed_until", 1)],
        ]
