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
    #: When the oldest unanswered inbound message arrived; None when answered.
    waiting_since: dt.datetime | None = None
    snoozed_until: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    #: When an outbound message last ended failed/undelivered; cleared by the next one sent.
    delivery_failed_at: dt.datetime | None = None
    updated_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "conversations"
        # Each index serves named queries (docs/architecture.md, "Indexes"); every one
        # costs every write of a conversation, so none is here without a query.
        # SecantusDB uses an index only when a query's fields are exactly its leading
        # fields (equality, then one range): hub.store.paging reads them that way.
        indexes = [
            # ingest's upsert by thread; the widget's conversations of a visitor (prefix).
            pymongo.IndexModel(
                [("account_id", 1), ("channel_id", 1), ("contact_key", 1), ("thread_key", 1)],
                unique=True,
            ),
            # Lists newest activity first, in time windows: unfiltered, ...
            [("account_id", 1), ("last_message_at", -1)],
            # ... by handler and status (the inbox's default; ?status= reads both handlers),
            [("account_id", 1), ("handler", 1), ("status", 1), ("last_message_at", -1)],
            # ... by assignee and status (Mine; ?assignee_id= alone reads each status),
            [("account_id", 1), ("assignee_id", 1), ("status", 1), ("last_message_at", -1)],
            # ... by channel, team (queues), label, contact (its earlier conversations).
            [("account_id", 1), ("channel_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("team_id", 1), ("last_message_at", -1)],
            [("account_id", 1), ("labels", 1), ("last_message_at", -1)],
            [("account_id", 1), ("contact_id", 1), ("last_message_at", -1)],
            # Search: a contact name's start (range), an exact address.
            [("account_id", 1), ("contact_name", 1)],
            [("account_id", 1), ("contact_key", 1)],
            # Housekeeping: retire resolved chat threads; wake snoozed ones.
            [("thread_key", 1), ("status", 1), ("resolved_at", 1)],
            [("status", 1), ("snoozed_until", 1)],
            # The bot fallback: bot conversations waiting past the answer timeout.
            [("handler", 1), ("waiting_since", 1)],
        ]
