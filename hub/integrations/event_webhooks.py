"""Outbound events: from the change stream to stored, signed webhook deliveries.

Every ``parley serve`` watches every change (``hub.pipeline.realtime``) and turns each
message or conversation change into one ``WebhookDelivery`` per interested
target: the account's subscriptions to that event type, and, for an inbound
message of a bot conversation, the bot. A delivery's key is (target, event key)
under a unique index, so when several processes see the same change the
delivery is created once. ``hub.integrations.event_delivery`` sends them.

Bodies are ``{"id", "type", "created_at", "data"}`` signed in the header
``Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` and with the
Standard Webhooks headers (``hub.integrations.signing``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from hub.contract import JsonObject, now
from hub.integrations import signing
from hub.integrations.representations import CallbackOut, ConversationOut, MessageOut
from hub.models import CallbackRequest, Conversation, Message, WebhookDelivery
from hub.pipeline.fan_out import InterestedFanOut
from hub.pipeline.realtime import Event
from hub.store import bots as bot_store
from hub.store import webhooks as store

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)
SIGNATURE_HEADER = signing.PARLEY_HEADER
#: Signatures older than this are refused by ``verify`` (replay protection for receivers).
TOLERANCE_SECONDS = 300


# --------------------------------------------------------------------------- signatures


def sign(secret: str, body: bytes, at: int | None = None) -> str:
    """The ``Parley-Signature`` header value for ``body``."""
    t = int(time.time()) if at is None else at
    return f"t={t},v1={signing.parley_mac(secret, t, body)}"


def verify(secret: str, header: str, body: bytes, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds
    (any of its ``v1=`` values: during a rotation there is one per secret)."""
    pairs = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in pairs if k.strip() == "t"]
    try:
        t = int(stamps[0])
    except (IndexError, ValueError):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = signing.parley_mac(secret, t, body)
    return any(hmac.compare_digest(expected, v) for k, v in pairs if k.strip() == "v1")


# --------------------------------------------------------------------------- events


def event_key(event: Event) -> str:
    """A name of the change that every process computes alike (the change's resume token)."""
    if event.token:
        return event.token
    stamp = event.data.get("updated_at") or event.data.get("created_at")
    return f"{event.type}:{event.data.get('_id')}:{stamp}"


def _data(event: Event) -> dict[str, Any]:
    if event.type.startswith("message."):
        return MessageOut.of(Message.model_validate(event.data)).model_dump(mode="json")
    if event.type.startswith("callback."):
        return CallbackOut.of(CallbackRequest.model_validate(event.data)).to_json()
    return ConversationOut.of(Conversation.model_validate(event.data)).model_dump(mode="json")


def public_id(key: str) -> str:
    """The event's ``id`` as receivers see it in the body (and the deliveries API shows it)."""
    return "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def envelope(event: Event, key: str) -> str:
    """The JSON body of the event's deliveries."""
    at = event.data.get("updated_at") or event.data.get("created_at") or now()
    if isinstance(at, dt.datetime) and at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    body = {
        "id": public_id(key),
        "type": event.type,
        "created_at": at.isoformat() if isinstance(at, dt.datetime) else str(at),
        "data": _data(event),
    }
    return json.dumps(body, separators=(",", ":"))


async def _targets(event: Event) -> list[tuple[store.DeliveryTarget, PydanticObjectId]]:
    """Who gets this event: subscriptions to its type, and the bot of an inbound message.

    A whisper (``hub.centre.supervising``) is for the agent alone: it goes nowhere.
    """
    if event.type.startswith("message.") and event.data.get("visibility") == "whisper":
        return []
    if event.account_id is None:
        return []
    targets: list[tuple[store.DeliveryTarget, PydanticObjectId]] = [
        ("subscription", sub_id) for sub_id in await store.subscribers(event.account_id, event.type)
    ]
    data = event.data
    if event.type == "message.created" and data.get("direction") == "in":
        bot_id = await bot_store.handling_bot(event.account_id, data.get("conversation_id"))
        if bot_id is not None:
            targets.append(("bot", bot_id))
    return targets


async def fan_out(event: Event) -> int:
    """Store the deliveries of one change; returns how many this call created."""
    targets = await _targets(event)
    if not targets or event.account_id is None:
        return 0
    key = event_key(event)
    body = envelope(event, key)
    data = event.data
    conversation_id = (
        data.get("_id") if event.type.startswith("conversation.") else data.get("conversation_id")
    )
    at = now()
    deliveries = [
        WebhookDelivery(
            account_id=event.account_id,
            target=kind,
            target_id=target_id,
            event_key=key,
            event_type=event.type,
            body=body,
            conversation_id=conversation_id,
            due=at,
            created_at=at,
            updated_at=at,
        )
        for kind, target_id in targets
    ]
    return await store.insert_deliveries(deliveries)  # another process may have stored some


class EventFanOut(InterestedFanOut):
    """Stores the webhook deliveries of the process's change events; one per process.

    Only accounts with an active subscription or a bot are interested (their collections
    are in ``realtime.WATCHED``; ``hub.pipeline.fan_out`` keeps the set).
    """

    interest_kinds = ("webhook_subscription", "bot")
    event_kinds = ("message", "conversation", "callback")
    what = "webhook events"
    task_name = "parley-webhook-events"

    async def interested_accounts(self) -> set[PydanticObjectId]:
        return await store.interested_accounts_all_accounts()

    async def deliver(self, event: Event) -> int:
        return await fan_out(event) + await fact_events(event)


# --------------------------------------------------------------------------- facts


async def fact_events(event: Event) -> int:
    """``sla.breached`` and ``csat.received`` from the conversation changes that record them
    (``hub.centre.sla.clocks`` sets ``sla_breached_at`` with ``sla_last_breaches``; ``hub.centre.csat.answers``
    sets ``csat``). Keyed by the fact, so every process that sees the change stores them once."""
    if event.type != "conversation.updated" or event.account_id is None:
        return 0
    doc, created = event.data, 0
    if "sla_breached_at" in event.changed and doc.get("sla_last_breaches"):
        shape = ConversationOut.of(Conversation.model_validate(doc)).model_dump(mode="json")
        for breach in doc["sla_last_breaches"]:
            at = _aware(breach["at"])
            data = {
                "conversation_id": str(doc["_id"]),
                "kind": breach["kind"],
                "at": at.isoformat(),
                "policy_id": (doc.get("sla") or {}).get("policy_id"),
                "conversation": shape,
            }
            key = f"sla.breached:{doc['_id']}:{breach['kind']}:{at.isoformat()}"
            created += await emit(event.account_id, "sla.breached", key, data, doc["_id"])
    answer = doc.get("csat")
    if "csat" in event.changed and answer and answer.get("rating"):
        data = {
            "conversation_id": str(doc["_id"]),
            "rating": answer["rating"],
            "comment": answer.get("comment"),
            "at": _aware(answer["at"]).isoformat(),
        }
        key = f"csat.received:{doc['_id']}"
        created += await emit(event.account_id, "csat.received", key, data, doc["_id"])
    return created


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def emit(
    account_id: PydanticObjectId,
    event_type: str,
    key: str,
    data: JsonObject,
    conversation_id: PydanticObjectId | None = None,
) -> int:
    """Store the deliveries of an event that is a fact, not a document change
    (``sla.breached``, ``csat.received``) for every subscription to ``event_type``.

    ``key`` names the fact alike in every process (e.g. the breach's clock and due time),
    so a fact emitted twice is delivered once. The delivery worker picks them up.
    """
    targets = await store.subscribers(account_id, event_type)
    if not targets:
        return 0
    at = now()
    body = json.dumps(
        {
            "id": "evt_" + hashlib.sha256(key.encode()).hexdigest()[:24],
            "type": event_type,
            "created_at": at.isoformat(),
            "data": data,
        },
        separators=(",", ":"),
        default=str,
    )
    deliveries = [
        WebhookDelivery(
            account_id=account_id,
            target="subscription",
            target_id=target_id,
            event_key=key,
            event_type=event_type,
            body=body,
            conversation_id=conversation_id,
            due=at,
            created_at=at,
            updated_at=at,
        )
        for target_id in targets
    ]
    return await store.insert_deliveries(deliveries)  # emitted before: stored once
