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
from typing import TYPE_CHECKING

from hub.centre.automatic import replies as auto_replies
from hub.centre.csat import answers as csat
from hub.contract import QuickReply, now
from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.store import accounts as account_store
from hub.store import csat as store

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
    sent = 0
    for due in await store.due_surveys_all_accounts(at, BATCH):
        claimed = await store.claim_survey_all_accounts(due)
        if claimed is not None and await _send(hub, claimed, at):
            sent += 1
    return sent


async def _send(hub: Hub, conversation: Conversation, at: dt.datetime) -> bool:
    assert conversation.id is not None
    account = await account_store.get_account(conversation.account_id)
    channel = await hub.channel(conversation.channel_id)
    if channel is None or account is None:
        return False
    caps = hub.registry.get(channel.type).capabilities_for(hub.channel_info(channel))
    survey = conversation.csat_survey or {}
    retry = bool(survey.get("retried")) and survey.get("sent_at") is not None
    # RFC 3834: never to automated mail or ourselves; the survey itself counts as the
    # contact's automatic reply of the day (its retry and thanks belong to it).
    first = not survey.get("thank") and not retry
    if not await auto_replies.may_send(hub, conversation, "csat", daily=first):
        await store.survey_failed(conversation.account_id, conversation.id, "auto_reply_refused")
        return False
    if survey.get("thank"):
        return await _thank(hub, conversation)
    mode = "buttons" if caps.quick_replies else "link" if caps.subject else "reply"
    text = RETRY_TEXT if retry else csat.question(account.csat)
    token = None
    if mode == "link" and not retry:
        token = secrets.token_urlsafe(24)
        text = f"{text}\n\nAnswer with one click: {survey_url(hub, token)}"
    elif mode == "reply" and not retry:
        text = f"{text} Reply with a number from 1 to 5."
    quick = [QuickReply(title=LABELS[n], payload=f"csat:{n}") for n in LABELS]
    if not retry:  # before sending: an answer may come back at once
        survey_state = store.SurveyState(
            sent_at=at,
            mode=mode,
            message_id=None,
            token_hash=csat.token_hash(token) if token else None,
            awaiting_until=None if mode == "link" else at + csat.ANSWER_WINDOW,
            retried=False,
        )
        await store.start_survey(conversation.account_id, conversation.id, survey_state)
    try:
        message = await outbox.enqueue(
            hub,
            conversation,
            text=text,
            sender=SENDER,
            quick_replies=quick if mode == "buttons" else None,
            subject="How did we do?" if mode == "link" else None,
            metadata={"csat_survey": "retry" if retry else mode, "automatic": "csat"},
        )
    except outbox.OutboxError as exc:  # e.g. WhatsApp's reply window has closed
        log.info("survey of %s not sent: %s", conversation.id, exc.message)
        await store.survey_failed(conversation.account_id, conversation.id, exc.code)
        return False
    if not retry:
        assert message.id is not None
        await store.survey_sent(conversation.account_id, conversation.id, message.id)
    return True


async def _thank(hub: Hub, conversation: Conversation) -> bool:
    """The thank-you after a rating given on the channel (the email page thanks by itself)."""
    assert conversation.id is not None
    await store.thanked(conversation.account_id, conversation.id)
    try:
        await outbox.enqueue(
            hub,
            conversation,
            text=THANKS_TEXT,
            sender=SENDER,
            metadata={"csat_survey": "thanks", "automatic": "csat"},
        )
    except outbox.OutboxError as exc:
        log.info("survey thanks of %s not sent: %s", conversation.id, exc.message)
        return False
    return True
