"""The index census: every index the hub declares (each collection of ``hub.models`` and
the widget's own) serves a named store query (``docs/indexes.md``), or is kept on purpose
for a stated reason (a unique rule, a TTL).

For each entry the query's filter (and sort, if it sends one, and hint) is ``explain``ed on
a small filled database with exactly the declared indexes: the winning plan must scan that
index. An index declared without an entry fails, and so does one the planner does not pick
for its query (then the index, or the query, is wrong). ``conversations`` and ``messages``
are written on every inbound message (contacts: a new contact's), so each index there
costs on the hot path (BENCHMARKS.md); the other collections' indexes cost their writes.

The filter explained is the part of the store's filter the index holds: SecantusDB's
``explain`` reports a collection scan for any filter with a field outside the index (a
``revoked`` flag, an ``answered_at: None`` guard), while the find itself reads the index
and checks that field on what it found (measured on 20,000 documents: ``{email, active}``
2–10 ms, ``{email}`` 1.5–5 ms, a true scan 735–795 ms). Such fields are named in
``docs/indexes.md``. What does scan is an ``$or`` and a partial index the query does not
name by ``hint``: the store sends neither.
"""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from hub.models import DOCUMENTS, Contact, Conversation, Message
from hub.store import widget
from hub.store.migrations import m002_unused_indexes, m003_unused_indexes

#: The collections every inbound message (or a new contact's) writes.
HOT = (Conversation, Message, Contact)
DOCS = Path(__file__).resolve().parents[2] / "docs" / "indexes.md"
A, TEAM, USER, CHANNEL, CONTACT = (ObjectId() for _ in range(5))
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
WINDOW = {"$gte": T0, "$lt": T0 + dt.timedelta(days=1)}
BEFORE = {"$lte": T0 + dt.timedelta(days=1)}
#: The other collections' times: far ahead, so no TTL index removes them during the test.
LATER = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
LATER_WINDOW = {"$gte": LATER, "$lt": LATER + dt.timedelta(days=1)}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
RETENTION = {"$gte": EPOCH, "$lt": LATER}

#: (collection, index name) -> (store function "module.function", filter, the other
#: options of its ``find`` (sort, hint) or None).
CENSUS: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any] | None]] = {
    ("conversations", "account_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_handler_1_status_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "handler": "human", "status": "open", "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_assignee_id_1_status_1_last_message_at_-1"): (
        "conversations.open_assigned_to",
        {"account_id": A, "assignee_id": USER, "status": "open", "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_channel_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "channel_id": CHANNEL, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_team_id_1_last_message_at_-1"): (
        "conversations.list_conversations",
        {"account_id": A, "team_id": str(TEAM), "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_labels_1_last_message_at_-1"): (
        "labels.delete_label",
        {"account_id": A, "labels": "vip"},
        None,
    ),
    ("conversations", "account_id_1_contact_id_1_last_message_at_-1"): (
        "conversations.recent_of_contact",
        {"account_id": A, "contact_id": CONTACT, "last_message_at": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_contact_key_1"): (
        "search.search_conversations",
        {"account_id": A, "contact_key": "phone:+4520000001"},
        None,
    ),
    ("conversations", "thread_key_1_status_1_resolved_at_1"): (
        "sweeps.retire_resolved_all_accounts",
        {"thread_key": "current", "status": "resolved", "resolved_at": {"$lt": T0}},
        None,
    ),
    ("conversations", "account_id_1_status_1_resolved_at_1"): (
        "purge.resolved_before",
        {"account_id": A, "status": "resolved", "resolved_at": WINDOW},
        None,
    ),
    ("conversations", "status_1_snoozed_until_1"): (
        "sweeps.wake_snoozed_all_accounts",
        {"status": "snoozed", "snoozed_until": BEFORE},
        None,
    ),
    (
        "conversations",
        "account_id_1_team_id_1_assignee_id_1_status_1_waiting_since_1",
    ): (
        "queues.waiting_in_queue",
        {
            "account_id": A,
            "team_id": str(TEAM),
            "assignee_id": None,
            "status": "open",
            "waiting_since": {"$gte": T0},
        },
        None,
    ),
    ("conversations", "sla_next_due_1"): (
        "sla.due_clocks_all_accounts",
        {"sla_next_due": WINDOW},
        None,
    ),
    ("conversations", "account_id_1_sla_due_1"): (
        "sla.by_sla_due",
        {"account_id": A, "sla_due": {"$gte": T0}},
        None,
    ),
    ("conversations", "account_id_1_sla_risk_at_1"): (
        "sla.at_risk_clocks",
        {"account_id": A, "sla_risk_at": WINDOW},
        None,
    ),
    ("conversations", "csat_due_at_1"): (
        "csat.due_surveys_all_accounts",
        {"csat_due_at": WINDOW},
        None,
    ),
    ("conversations", "csat_survey.token_hash_1"): (
        "csat.by_token_hash_all_accounts",
        {"csat_survey.token_hash": "h-1"},
        None,
    ),
    ("conversations", "handler_1_waiting_since_1"): (
        "bots.waiting_since_all_accounts",
        {"handler": "bot", "waiting_since": BEFORE},
        None,
    ),
    ("messages", "channel_id_1_provider_message_id_1"): (
        "messages.known_provider_id",
        {"channel_id": CHANNEL, "provider_message_id": "p-1"},
        None,
    ),
    ("messages", "account_id_1_conversation_id_1_created_at_1"): (
        "messages.list_messages",
        {"account_id": A, "conversation_id": ObjectId(), "created_at": WINDOW},
        None,
    ),
    ("messages", "account_id_1_terms_1_created_at_-1"): (
        "search.search_conversations",
        {"account_id": A, "terms": "hello", "created_at": WINDOW},
        None,
    ),
    ("contacts", "account_id_1_addresses_1"): (
        "contacts.find_or_create_contact",
        {"account_id": A, "addresses": "phone:+4520000001"},
        None,
    ),
    ("contacts", "account_id_1_terms_1"): (
        "search.search_conversations",
        {"account_id": A, "terms": {"$gte": "cust", "$lt": "cust\uffff"}},
        None,
    ),
    ("contacts", "account_id_1_created_at_-1"): (
        "contacts.list_contacts",
        {"account_id": A, "created_at": WINDOW},
        None,
    ),
    ("messages", "outbox_due_1"): (
        "outbox.next_due_all_accounts",
        {"outbox_due": {"$type": "date"}},
        # The store names its partial index (``hint=DUE_INDEX``), as the planner would not.
        {"sort": {"outbox_due": 1}, "hint": "outbox_due_1"},
    ),
    # ---- the other collections (values as ``_other`` fills them: ``<field>-<n>``)
    ("accounts", "slug_1"): (
        "accounts.account_by_slug_all_accounts",
        {"slug": "slug-1"},
        None,
    ),
    ("activity_events", "account_id_1_at_1"): (
        "facts.events_between",
        {"account_id": A, "at": LATER_WINDOW},
        None,
    ),
    ("activity_events", "account_id_1_kind_1_at_1"): (
        "facts.events_of_kind_between",
        {"account_id": A, "kind": "kind-1", "at": LATER_WINDOW},
        None,
    ),
    ("api_keys", "digest_1"): (
        "keys.live_key_all_accounts",  # and ``revoked: false`` on the key found
        {"digest": "digest-1"},
        None,
    ),
    ("api_keys", "account_id_1"): (
        "keys.list_keys",
        {"account_id": A},
        {"sort": {"created_at": 1}},
    ),
    ("assist_usage", "account_id_1_month_1"): (
        "assist.month_usage",  # and ``record_use``'s upsert; unique: one per month
        {"account_id": A, "month": "month-1"},
        None,
    ),
    ("audit_events", "account_id_1_at_1"): (
        "audit.events_between",
        {"account_id": A, "at": LATER_WINDOW},
        {"limit": 50},
    ),
    ("audit_events", "account_id_1_actor.id_1_at_1"): (
        "audit.events_between",
        {"account_id": A, "actor.id": "actor.id-1", "at": LATER_WINDOW},
        {"limit": 50},
    ),
    ("audit_events", "account_id_1_action_1_at_1"): (
        "audit.events_between",
        {"account_id": A, "action": "action-1", "at": LATER_WINDOW},
        {"limit": 50},
    ),
    ("bots", "token_digest_1"): (
        "bots.bot_by_token_digest_all_accounts",
        {"token_digest": "token_digest-1"},
        None,
    ),
    ("bots", "account_id_1_created_at_1"): (
        "bots.page_bots",
        {"account_id": A, "created_at": LATER_WINDOW},
        None,
    ),
    ("callback_offers", "account_id_1_conversation_id_1"): (
        "callbacks.answer_offer",  # and ``answered_at: None`` on the offer found
        {"account_id": A, "conversation_id": "conversation_id-1"},
        None,
    ),
    ("callback_requests", "account_id_1_status_1_requested_at_-1"): (
        "callbacks.with_status",
        {"account_id": A, "status": "status-1", "requested_at": {"$gte": LATER}},
        None,
    ),
    ("callback_requests", "account_id_1_team_id_1_status_1"): (
        "callbacks.count_open",
        {"account_id": A, "team_id": "team_id-1", "status": "status-1"},
        None,
    ),
    ("callback_requests", "account_id_1_contact_id_1"): (
        "callbacks.for_contact",
        {"account_id": A, "contact_id": "contact_id-1"},
        None,
    ),
    ("callback_requests", "account_id_1_conversation_id_1"): (
        "callbacks.for_conversation",
        {"account_id": A, "conversation_id": "conversation_id-1"},
        None,
    ),
    ("callback_requests", "account_id_1_attempts.at_1"): (
        "purge.clear_callback_notes",
        {"account_id": A, "attempts.at": RETENTION},
        None,
    ),
    ("canned_responses", "account_id_1_shortcut_1"): (
        "canned.list_canned",  # and the prefix reads, a case-insensitive pattern
        {"account_id": A},
        {"sort": {"shortcut": 1}},
    ),
    ("channels", "account_id_1_type_1"): (
        "channels.active_channel_of_type",  # and ``active`` on the channel found
        {"account_id": A, "type": "type-1"},
        None,
    ),
    ("channels", "type_1_active_1"): (
        "channels.active_channels_of_type_all_accounts",
        {"type": "type-1", "active": True},
        None,
    ),
    ("daily_counters", "account_id_1_scope_1_scope_id_1_day_1"): (
        "facts.count",  # the ``$inc`` upsert of a day's counter; unique: one per day
        {"account_id": A, "scope": "scope-1", "scope_id": "scope_id-1", "day": "day-1"},
        None,
    ),
    ("daily_counters", "account_id_1_scope_1_day_1"): (
        "facts.counters_between",
        {"account_id": A, "scope": "scope-1", "day": {"$gte": "day-1", "$lte": "day-5"}},
        None,
    ),
    ("early_statuses", "channel_id_1_provider_message_id_1"): (
        "delivery.early_statuses",  # and the account on the reports found
        {"channel_id": "channel_id-1", "provider_message_id": "provider_message_id-1"},
        None,
    ),
    ("idempotency_keys", "account_id_1"): (
        "contacts.erase_contact",  # the kept answers naming the contact: a body pattern
        {"account_id": A},
        None,
    ),
    ("labels", "account_id_1_name_1"): (
        "labels.colours_of",
        {"account_id": A, "name": {"$in": ["name-1", "name-3"]}},
        None,
    ),
    ("login_attempts", "key_1_created_at_-1"): (
        "logins.count_attempts_all_accounts",
        {"key": "key-1", "created_at": {"$gte": LATER}},
        None,
    ),
    ("number_lookups", "account_id_1_phone_1"): (
        "lookup.cached_lookup",
        {"account_id": A, "phone": "phone-1"},
        None,
    ),
    ("push_deliveries", "subscription_id_1_event_key_1"): (
        "push.unsubscribe",  # a device's queued pushes; unique: one push per event
        {"subscription_id": "subscription_id-1"},
        None,
    ),
    ("push_deliveries", "due_1"): (
        "push.next_due_all_accounts",
        {"due": {"$type": "date"}},
        {"sort": {"due": 1}, "hint": "due_1"},  # partial: named by ``hint``
    ),
    ("push_deliveries", "account_id_1_user_id_1"): (
        "push.forget_user",
        {"account_id": A, "user_id": "user_id-1"},
        None,
    ),
    ("push_subscriptions", "endpoint_1"): (
        "push.subscribe",  # unique: one subscription per browser
        {"endpoint": "endpoint-1"},
        None,
    ),
    ("push_subscriptions", "account_id_1_user_id_1"): (
        "push.devices",
        {"account_id": A, "user_id": "user_id-1"},
        None,
    ),
    ("sla_policies", "account_id_1_created_at_1"): (
        "sla.list_policies",
        {"account_id": A},
        {"sort": {"created_at": 1}},
    ),
    ("stream_leases", "process_1_user_id_1"): (
        "stream_leases.renew",  # and ``hold``'s upsert; unique: one per process and user
        {"process": "process-1", "user_id": {"$in": ["user_id-1", "user_id-2"]}},
        None,
    ),
    ("stream_leases", "user_id_1_until_1"): (
        "stream_leases.leases_of",
        {"user_id": {"$in": ["user_id-1", "user_id-2"]}},
        None,
    ),
    ("teams", "account_id_1_name_1"): (
        "teams.list_teams",  # unique: one team of a name per account
        {"account_id": A},
        {"sort": {"name": 1}},
    ),
    ("teams", "callback.enabled_1"): (
        "callbacks.teams_offering_all_accounts",
        {"callback.enabled": True},
        None,
    ),
    ("usage_events", "account_id_1_at_1"): (
        "usage.events_between",
        {"account_id": A, "at": LATER_WINDOW},
        None,
    ),
    ("usage_events", "account_id_1_kind_1_at_1"): (
        "usage.subscription_before",
        {"account_id": A, "kind": "kind-1", "at": {"$lt": LATER}},
        None,
    ),
    ("users", "email_1"): (
        "users.user_by_email_any_account",  # unique: an email signs in to one user
        {"email": "email-1"},
        None,
    ),
    ("users", "account_id_1_active_1"): (
        "users.active_users",  # and the role on the users found (seats, people)
        {"account_id": A, "active": True},
        None,
    ),
    ("users", "password_token_digest_1"): (
        "users.user_by_token_all_accounts",  # and ``active`` on the user found
        {"password_token_digest": "password_token_digest-1"},
        None,
    ),
    ("users", "calendar_url_1"): (
        "users.calendar_users_all_accounts",
        {"calendar_url": {"$gt": ""}},
        None,
    ),
    ("users", "presence_1"): (
        "users.available_users_all_accounts",
        {"presence": "presence-1"},
        None,
    ),
    ("vip_lists", "account_id_1"): (
        "vip.addresses",  # and ``replace``'s upsert; unique: one list per account
        {"account_id": A},
        None,
    ),
    ("webhook_deliveries", "due_1"): (
        "webhooks.next_delivery_due_all_accounts",
        {"due": {"$type": "date"}},
        {"sort": {"due": 1}, "hint": "due_1"},  # partial: named by ``hint``
    ),
    ("webhook_deliveries", "account_id_1_target_id_1_created_at_-1"): (
        "webhooks.recent_deliveries",
        {"account_id": A, "target_id": "target_id-1", "created_at": {"$gte": LATER}},
        None,
    ),
    ("webhook_subscriptions", "account_id_1_created_at_1"): (
        "webhooks.page_subscriptions",
        {"account_id": A, "created_at": LATER_WINDOW},
        None,
    ),
}

#: More queries an index of ``CENSUS`` serves, checked the same way.
ALSO: list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None]] = [
    (
        "activity_events",
        "account_id_1_kind_1_at_1",
        "purge.activity_before",
        {"account_id": A, "kind": "kind-1", "at": RETENTION},
        None,
    ),
    (
        "audit_events",
        "account_id_1_at_1",
        "purge.books_before",
        {"account_id": A, "at": RETENTION},
        None,
    ),
    (
        "usage_events",
        "account_id_1_at_1",
        "purge.books_before",
        {"account_id": A, "at": RETENTION},
        None,
    ),
    (
        "callback_requests",
        "account_id_1_attempts.at_1",
        "callbacks.purge_notes",
        {"account_id": A, "attempts.at": {"$lt": LATER}},
        None,
    ),
    (
        "webhook_deliveries",
        "due_1",
        "webhooks.claim_due_delivery_all_accounts",  # and ``status: pending``
        {"due": {"$type": "date", "$lte": LATER}},
        {"sort": {"due": 1}, "hint": "due_1"},
    ),
    (
        "push_deliveries",
        "due_1",
        "push.claim_due_all_accounts",
        {"due": {"$type": "date", "$lte": LATER}},
        {"sort": {"due": 1}, "hint": "due_1"},
    ),
    (
        "push_subscriptions",
        "account_id_1_user_id_1",
        "push.stale_devices",
        {"account_id": A},
        None,
    ),
    (
        "conversations",
        "account_id_1_contact_key_1",
        "contacts.export_contact",  # and erase_contact: a contact's conversations by address
        {"account_id": A, "contact_key": {"$in": ["phone:+4520000001", "email:a@b.test"]}},
        None,
    ),
    (
        "conversations",
        "account_id_1_contact_id_1_last_message_at_-1",
        "contacts.export_contact",  # and erase_contact: a contact's conversations by id
        {"account_id": A, "contact_id": CONTACT},
        None,
    ),
]

#: Indexes kept although no read names them: each enforces a rule on writes, or is a TTL.
KEPT = {
    ("conversations", "account_id_1_channel_id_1_contact_key_1_thread_key_1"): (
        "unique: one current conversation per contact and channel (threads.merge_arrival "
        "upserts on it)"
    ),
    ("messages", "account_id_1_channel_id_1_provider_message_id_1"): (
        "unique: a provider's retried webhook stores its message once"
    ),
    ("contacts", "account_id_1_primary_address_1"): (
        "unique: one contact per address of an account (the arrival's upsert relies on it)"
    ),
    ("messages", "account_id_1_idempotency_key_1"): (
        "unique: an API send with the same Idempotency-Key is stored once"
    ),
    ("webhook_deliveries", "target_id_1_event_key_1"): (
        "unique: every process that sees an event stores its delivery once"
    ),
    ("early_statuses", "created_at_1"): "TTL: a status report nobody claimed, after 7 days",
    ("idempotency_keys", "created_at_1"): "TTL: a kept answer, after 24 hours",
    ("login_attempts", "created_at_1"): "TTL: a failed sign-in, after its window",
    ("notifications", "created_at_1"): "TTL: a notification, after 30 days",
    ("push_deliveries", "created_at_1"): "TTL: a push never sent, after a day",
    ("rate_counters", "expires_at_1"): "TTL: an API rate window, when it ends",
    ("stream_leases", "until_1"): "TTL: a dead process's lease, a day after it ran out",
    ("webhook_deliveries", "created_at_1"): "TTL: a delivery and its log, after 30 days",
    ("widget_rates", "expires_at_1"): "TTL: a widget rate window, when it ends",
    ("widget_typing", "expires_at_1"): "TTL: a typing indicator, when it goes stale",
}


def declared(model: Any) -> Iterator[pymongo.IndexModel]:
    for spec in getattr(model.Settings, "indexes", None) or []:
        yield spec if isinstance(spec, pymongo.IndexModel) else pymongo.IndexModel(spec)


def _conversation(i: int) -> dict[str, Any]:
    at = T0 + dt.timedelta(minutes=i)
    return {
        "account_id": A if i % 2 else ObjectId(),
        "channel_id": CHANNEL if i % 3 == 0 else ObjectId(),
        "contact_id": CONTACT if i % 5 == 0 else ObjectId(),
        "contact_key": f"phone:+45200000{i:02d}",
        "contact_name": f"Customer {i}",
        "thread_key": "current" if i % 4 else str(i),
        "status": ("open", "pending", "resolved", "snoozed")[i % 4],
        "handler": "bot" if i % 7 == 0 else "human",
        "assignee_id": USER if i % 3 == 1 else None,
        "team_id": str(TEAM) if i % 2 else None,
        "labels": ["vip"] if i % 6 == 0 else [],
        "last_message_at": at,
        "waiting_since": at,
        "resolved_at": at,
        "snoozed_until": at,
        "sla_next_due": at,
        "sla_due": at,
        "sla_risk_at": at,
        "csat_due_at": at,
        "csat_survey": {"token_hash": f"h-{i}"},
    }


def _contact(i: int) -> dict[str, Any]:
    address = f"phone:+45200000{i:02d}"
    return {
        "account_id": A if i % 2 else ObjectId(),
        "addresses": [address],
        "primary_address": address,
        "name": f"Customer {i}",
        "terms": ["customer", str(i), address],
        "created_at": T0 + dt.timedelta(minutes=i),
    }


def _message(i: int) -> dict[str, Any]:
    return {
        "account_id": A if i % 2 else ObjectId(),
        "channel_id": CHANNEL if i % 3 == 0 else ObjectId(),
        "conversation_id": ObjectId(),
        "provider_message_id": f"p-{i}",
        "idempotency_key": f"k-{i}",
        "terms": ["hello", f"w{i}"],
        "created_at": T0 + dt.timedelta(minutes=i),
        "outbox_due": T0 if i % 5 == 0 else "",
    }


#: Fields the other collections hold times in (the rest hold text, or what ``_value`` says).
TIMES = {"at", "created_at", "requested_at", "until", "due", "expires_at", "attempts.at"}


def _value(field: str, i: int, unique: bool | str) -> Any:
    if field == "account_id":  # alone in a unique index: one document of the account
        return A if (i == 1 if unique == "alone" else i % 2) else ObjectId()
    if field in TIMES:
        return LATER + dt.timedelta(minutes=i)
    if field in ("active", "callback.enabled"):
        return i % 2 == 1
    return f"{field}-{i if unique else i % 7}"


def _other(model: Any, i: int) -> dict[str, Any]:
    """A document of one of the other collections: a value for every field its indexes
    name (distinct where a unique index needs it; ``due`` set on every fifth, as pending
    work is few)."""
    doc: dict[str, Any] = {}
    for index in declared(model):
        keys = list(index.document["key"])
        unique = index.document.get("unique", False) and ("alone" if len(keys) == 1 else True)
        for field in keys:
            if field in doc and not unique:
                continue
            value = _value(field, i, unique)
            if field == "attempts.at":
                doc["attempts"] = [{"at": value, "note": "called"}]
            elif "." in field:
                outer, inner = field.split(".")
                doc.setdefault(outer, {})[inner] = value
            else:
                doc[field] = value
    if i % 5:
        doc.pop("due", None)
    return doc


@pytest.fixture
async def filled(mongodb_uri: str) -> AsyncIterator[AsyncDatabase[Any]]:
    """Every declared index, as the hub creates them, and 60 documents a collection."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongodb_uri)
    database = client[f"census_{uuid.uuid4().hex[:10]}"]
    makers = {Conversation: _conversation, Message: _message, Contact: _contact}
    for model in DOCUMENTS:
        indexes = list(declared(model))
        if not indexes:
            continue
        collection = database[model.Settings.name]
        await collection.create_indexes(indexes)
        make = makers.get(model) or (lambda i, model=model: _other(model, i))
        await collection.insert_many([make(i) for i in range(60)])
    await widget.ensure_indexes(database)
    yield database
    await client.drop_database(database.name)
    await client.close()


def _scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("stage") == "IXSCAN":
        yield str(plan.get("indexName"))
    for key in ("inputStage", "outerStage", "innerStage"):
        if isinstance(plan.get(key), dict):
            yield from _scans(plan[key])
    for child in plan.get("inputStages", []):
        yield from _scans(child)


async def test_every_declared_index_is_in_the_census(filled: AsyncDatabase[Any]) -> None:
    """Every index the hub creates (the models' and the widget's), as the database holds them."""
    text = DOCS.read_text()
    names = set()
    for collection in await filled.list_collection_names():
        for name in await filled[collection].index_information():
            if name != "_id_":
                names.add((collection, name))
    assert len({m.Settings.name for m in HOT} & {c for c, _ in names}) == 3
    for key in sorted(names):
        assert key in CENSUS or key in KEPT, f"{key}: no query named for this index"
        assert f"`{key[1]}`" in _section(text, key[0]), f"{key} is missing from docs/indexes.md"
    stale = (set(CENSUS) | set(KEPT)) - names
    assert not stale, f"census entries for indexes no longer declared: {stale}"


def _section(text: str, collection: str) -> str:
    """The part of docs/indexes.md headed ``## `collection` ``."""
    head = f"## `{collection}`"
    assert head in text, f"{collection} has no section in docs/indexes.md"
    return text.split(head, 1)[1].split("\n## ", 1)[0]


def test_no_model_declares_an_index_twice() -> None:
    for model in DOCUMENTS:
        keys = [tuple(index.document["key"].items()) for index in declared(model)]
        assert len(keys) == len(set(keys)), f"{model.Settings.name} declares an index twice"


def test_census_names_real_store_functions() -> None:
    for function in [f for f, _, _ in CENSUS.values()] + [f for _, _, f, _, _ in ALSO]:
        module, name = function.split(".")
        assert callable(getattr(importlib.import_module(f"hub.store.{module}"), name)), function


async def test_each_query_wins_with_its_index(filled: AsyncDatabase[Any]) -> None:
    wrong = []
    queries = [(c, i, f, q, o) for (c, i), (f, q, o) in CENSUS.items()] + ALSO
    assert {(c, i) for c, i, *_ in ALSO} <= set(CENSUS)
    for collection, index, function, query, options in queries:
        find: dict[str, Any] = {"find": collection, "filter": query, **(options or {})}
        answer = await filled.command("explain", find)
        used = list(_scans(answer["queryPlanner"]["winningPlan"]))
        if index not in used:
            wrong.append(f"{collection}.{index} ({function}): the plan scanned {used}")
    assert not wrong, "\n".join(wrong)


#: The keys the indexes migration 2 drops had, as an older hub declared them.
OLDER = {
    "account_id_1_contact_name_1": [("account_id", 1), ("contact_name", 1)],
    "account_id_1_team_id_1_sla_risk_at_1": [("account_id", 1), ("team_id", 1), ("sla_risk_at", 1)],
    "account_id_1_created_at_-1": [("account_id", 1), ("created_at", -1)],
    "account_id_1_name_1": [("account_id", 1), ("name", 1)],
}


async def test_migration_2_drops_the_unused_indexes_once(filled: AsyncDatabase[Any]) -> None:
    for collection, name in m002_unused_indexes.UNUSED:
        assert (collection, name) not in CENSUS and (collection, name) not in KEPT
        assert await filled[collection].create_index(OLDER[name]) == name  # an older database
    assert await m002_unused_indexes.up(filled) == {"indexes_dropped": 4}
    for collection, name in m002_unused_indexes.UNUSED:
        assert name not in await filled[collection].index_information()
    assert "account_id_1_sla_risk_at_1" in await filled["conversations"].index_information()
    assert await m002_unused_indexes.up(filled) == {"indexes_dropped": 0}  # idempotent


#: The keys the indexes migration 3 drops had, as an older hub declared them.
OLDER_3 = {
    "account_id_1_conversation_id_1_at_1": [("account_id", 1), ("conversation_id", 1), ("at", 1)],
    "account_id_1_user_id_1_at_1": [("account_id", 1), ("user_id", 1), ("at", 1)],
    "account_id_1_user_id_1_created_at_-1": [("account_id", 1), ("user_id", 1), ("created_at", -1)],
}


async def test_migration_3_drops_the_unused_indexes_once(filled: AsyncDatabase[Any]) -> None:
    for collection, name in m003_unused_indexes.UNUSED:
        assert (collection, name) not in CENSUS and (collection, name) not in KEPT
        assert await filled[collection].create_index(OLDER_3[name]) == name  # an older database
    assert await m003_unused_indexes.up(filled) == {"indexes_dropped": 3}
    for collection, name in m003_unused_indexes.UNUSED:
        assert name not in await filled[collection].index_information()
    assert "account_id_1_kind_1_at_1" in await filled["activity_events"].index_information()
    assert "created_at_1" in await filled["notifications"].index_information()
    assert await m003_unused_indexes.up(filled) == {"indexes_dropped": 0}  # idempotent
