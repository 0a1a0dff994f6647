"""Sending satisfaction surveys (and their one retry prompt) on the conversation's channel.

``send_due`` claims each conversation whose ``csat_due_at`` has come (a conditional
write, so one process sends it) and queues one message through the outbox, shaped by
the channel's capabilities: quick replies ``1``-``5`` where the channel has them (the
widget's buttons, WhatsApp, RCS), a link to the hub's survey page where messages have
a subject (email), else "reply 1-5" (SMS).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import TYPE_CHECKING, Any

from hub.centre.csat import answers as csat
from hub.centre.sla.clocks import FLOOR
from hub.contract import QuickReply, now
from hub.models import Account, Conversation, Sender
from hub.pipeline import outbox

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
BATCH = 100
SENDER = Sender(type="system", name="Satisfaction survey")
LABELS = {1: "1 (poor)", 2: "2", 3: "3", 4: "4", 5: "5 (great)"}
THANKS_TEXT = "Thank you for your feedback!"
RETRY_TEXT = "Sorry, we didn't catch that. Could you rate us with a number from 1 to 5?"


def survey_url(hub: Hub, token: str) -> str:
    return f"{hub.public_url}/csat/{token}"


async def send_due(hub: Hub, at: dt.datetime | None = None) -> int:
    """Send every survey due by ``at``; returns how many this call sent."""
    at = at or now()
    collection = Conversation.get_pymongo_collection()
    due = (
        await collection.find(
            {"csat_due_at": {"$gte": FLOOR, "$lte": at}}, {"_id": 1, "csat_due_at": 1}
        )
        .limit(BATCH)
        .to_list()
    )
    sent = 0
    for doc in due:
        claimed = await collection.find_one_and_update(
            {"_id": doc["_id"], "csat_due_at": doc["csat_due_at"]}, {"$set": {"csat_due_at": None}}
        )
        if claimed is not None and await _send(hub, Conversation.model_validate(claimed), at):
            sent += 1
    return sent


async def _send(hub: Hub, conversation: Conversation, at: dt.datetime) -> bool:
    account = await Account.get_pymongo_collection().find_one(
        {"_id": conversation.account_id}, {"csat": 1}
    )
    channel = await hub.channel(conversation.channel_id)
    if channel is None or account is None:
        return False
    caps = hub.registry.get(channel.type).capabilities_for(hub.channel_info(channel))
    survey = conversation.csat_survey or {}
    if survey.get("thank"):
        return await _thank(hub, conversation)
    retry = bool(survey.get("retried")) and survey.get("sent_at") is not None
    mode = "buttons" if caps.quick_replies else "link" if caps.subject else "reply"
    text = RETRY_TEXT if retry else csat.question(account.get("csat"))
    fields: dict[str, Any] = {}
    token = None
    if mode == "link" and not retry:
        token = secrets.token_urlsafe(24)
        text = f"{text}\n\nAnswer with one click: {survey_url(hub, token)}"
    elif mode == "reply" and not retry:
        text = f"{text} Reply with a number from 1 to 5."
    quick = [QuickReply(title=LABELS[n], payload=f"csat:{n}") for n in LABELS]
    mine = {"_id": conversation.id, "account_id": conversation.account_id}
    collection = Conversation.get_pymongo_collection()
    if not retry:  # before sending: an answer may come back at once
        fields["csat_survey"] = {
            "sent_at": at,
            "mode": mode,
            "message_id": None,
            "token_hash": csat.token_hash(token) if token else None,
            "awaiting_until": None if mode == "link" else at + csat.ANSWER_WINDOW,
            "retried": False,
        }
        await collection.update_one(mine, {"$set": fields})
    try:
        message = await outbox.enqueue(
            hub,
            conversation,
            text=text,
            sender=SENDER,
            quick_replies=quick if mode == "buttons" else None,
            subject="How did we do?" if mode == "link" else None,
            metadata={"csat_survey": "retry" if retry else mode},
        )
    except outbox.OutboxError as exc:  # e.g. WhatsApp's reply window has closed
        log.info("survey of %s not sent: %s", conversation.id, exc.message)
        failed = {"csat_survey.awaiting_until": None, "csat_survey.failed": exc.code}
        await collection.update_one(mine, {"$set": failed})
        return False
    if not retry:
        await collection.update_one(mine, {"$set": {"csat_survey.message_id": str(message.id)}})
    return True


async def _thank(hub: Hub, conversation: Conversation) -> bool:
    """The thank-you after a rating given on the channel (the email page thanks by itself)."""
    await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation.id, "account_id": conversation.account_id},
        {"$set": {"csat_survey.thank": False}},
    )
    try:
        await outbox.enqueue(
            hub, conversation, text=THANKS_TEXT, sender=SENDER, metadata={"csat_survey": "thanks"}
        )
    except outbox.OutboxError as exc:
        log.info("survey thanks of %s not sent: %s", conversation.id, exc.message)
        return False
    return True
