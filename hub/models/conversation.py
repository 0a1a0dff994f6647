"""Conversations: a thread with one contact on one channel."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pymongo
from beanie import PydanticObjectId
from pydantic import Field

from hub.contract import now
from hub.models.base import TenantDocument

Status = Literal["open", "pending", "snoozed", "resolved"]
CURRENT_THREAD = "current"
#: The SLA clocks a conversation may run (``hub.centre.sla.clocks``).
SLA_KINDS = ("first_response", "next_response", "resolution")


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
    # Facts the reports read from the row itself (``hub.centre.reports.figures``), kept as they happen.
    #: The first inbound message of this opening (the conversation's, or the reopening message).
    opened_at: dt.datetime | None = None
    #: A fresh token on every opening, so the writer of the opening knows it opened it.
    open_token: str | None = None
    first_response_at: dt.datetime | None = None
    first_response_seconds: float | None = None
    resolution_seconds: float | None = None
    #: When the current assignee got it (handle time runs from here to resolution).
    assigned_at: dt.datetime | None = None
    messages_in: int = 0
    messages_out: int = 0
    transfers: int = 0
    updated_at: dt.datetime = Field(default_factory=now)
    #: A contact on the VIP list (or marked VIP): first in its queue.
    vip: bool = False
    #: When it began waiting for a person (queue order, waiting time); None before.
    queued_at: dt.datetime | None = None
    #: When it entered its current team's queue (overflow timing).
    team_since: dt.datetime | None = None
    #: The business number the customer wrote to (replies leave from it).
    business_address: str | None = None
    out_of_office_sent: bool = False
    #: SLA clocks (``hub.centre.sla.clocks``): the public ``sla`` object plus the clocks' state.
    sla: dict[str, Any] | None = None
    #: Earliest due time of a running clock not yet breached (what ``sla.tick`` looks for).
    sla_next_due: dt.datetime | None = None
    #: Earliest due time of a running clock, breached or not (the list's "due soonest").
    sla_due: dt.datetime | None = None
    #: When the earliest running clock reaches 80% of its target ("at risk").
    sla_risk_at: dt.datetime | None = None
    #: When the last breach was recorded, and which (``sla.breached`` events come from these).
    sla_breached_at: dt.datetime | None = None
    sla_last_breaches: list[dict[str, Any]] = []
    #: The customer's answer to the satisfaction survey: ``{"rating", "comment", "at"}``.
    csat: dict[str, Any] | None = None
    #: The survey's state (``hub.centre.csat.answers``): when sent, how, its token hash, retries.
    csat_survey: dict[str, Any] | None = None
    #: Set on resolve when a survey should go out; cleared when it is claimed and sent.
    csat_due_at: dt.datetime | None = None

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
            # Search: an exact address. (``docs/indexes.md`` names each index's query;
            # migration 2 dropped the ones no query used.)
            [("account_id", 1), ("contact_key", 1)],
            # Housekeeping: retire resolved chat threads; wake snoozed ones.
            [("thread_key", 1), ("status", 1), ("resolved_at", 1)],
            # Retention: one account's conversations resolved before a cut-off.
            [("account_id", 1), ("status", 1), ("resolved_at", 1)],
            [("status", 1), ("snoozed_until", 1)],
            # The queues: a team's waiting conversations (``hub.store.queues.waiting_filter``:
            # unassigned, open, the customer wrote last), for routing and every figure.
            [
                ("account_id", 1),
                ("team_id", 1),
                ("assignee_id", 1),
                ("status", 1),
                ("waiting_since", 1),
            ],
            # SLA: breaches due (every account), the "due soonest" sort, the at-risk counts.
            [("sla_next_due", 1)],
            [("account_id", 1), ("sla_due", 1)],
            [("account_id", 1), ("sla_risk_at", 1)],
            # CSAT: surveys to send; an email survey's one-time token.
            [("csat_due_at", 1)],
            [("csat_survey.token_hash", 1)],
            # The bot fallback: bot conversations waiting past the answer timeout.
            [("handler", 1), ("waiting_since", 1)],
        ]
