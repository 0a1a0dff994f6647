"""Satisfaction surveys (CSAT, every plan): when one is due, and taking the customer's answer.

The account's ``csat`` is ``{"enabled": bool, "question": str | None}``. Resolving a
conversation marks a survey due (``csat_due_at``) unless one went out in the last day
(reopened and resolved again), the account has it off, or a bot handles the
conversation (unless the bot asked: ``csat_requested`` on the conversation).
``hub.centre.csat.surveys`` sends due surveys on the conversation's own channel.

Answers: a rating 1-5 by text ("reply 1-5" on SMS) or a quick reply's ``csat:N`` payload
(widget buttons, WhatsApp and RCS), taken in ingest before routing so it opens
nothing; or the email survey's page, through a one-time token. A first answer that is
not a rating gets one friendly retry prompt; the next is a normal message. The rating
is stored on the conversation (``csat``: ``{"rating", "comment", "at"}``), recorded
(``csat`` activity, ``csat_rating`` summed); ``hub.integrations.event_webhooks`` sends
``csat.received`` when it sees the change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any, Protocol

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.contract import InboundMessage, now
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.facts import activity
from hub.models import Account, Conversation, Message, Sender
from hub.models.conversation import CURRENT_THREAD


class ChannelRef(Protocol):
    """The channel a message came in on, as ingest holds it (``ResolvedChannel``)."""

    @property
    def id(self) -> PydanticObjectId: ...

    @property
    def account_id(self) -> PydanticObjectId: ...


DEFAULT_QUESTION = "How did we do? Please rate our help from 1 (poor) to 5 (great)."
#: A survey is not sent again within this time (reopened and resolved again).
RESEND_AFTER = dt.timedelta(days=1)
#: How long a reply on the channel is read as the survey's answer.
ANSWER_WINDOW = dt.timedelta(days=1)
PAYLOAD_PREFIX = "csat:"
MAX_COMMENT = 1000
_RATING = re.compile(r"^\s*([1-5])(?:\s*/\s*5)?(?:$|[\s.,:;!)\-]+(?!\d)(.*))$", re.DOTALL)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def question(account_csat: dict[str, Any] | None) -> str:
    return str((account_csat or {}).get("question") or DEFAULT_QUESTION)


async def configure(
    account_id: PydanticObjectId, enabled: bool, text: str | None
) -> dict[str, Any]:
    """Turn the survey on or off and set its question (None or blank: the default)."""
    if not isinstance(enabled, bool):
        raise InvalidChange("invalid_csat", "csat.enabled must be true or false")
    text = (text or "").strip() or None
    if text is not None and len(text) > 300:
        raise InvalidChange("invalid_csat", "csat.question holds at most 300 characters")
    value = {"enabled": enabled, "question": text}
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": {"csat": value}}
    )
    return value


def rating_of(text: str, payload: str | None) -> tuple[int, str | None] | None:
    """The rating (and any words after it, as a comment) in an answer; None if it is none."""
    if payload and payload.startswith(PAYLOAD_PREFIX):
        digit = payload[len(PAYLOAD_PREFIX) :]
        return (int(digit), None) if digit in ("1", "2", "3", "4", "5") else None
    found = _RATING.match(text or "")
    if found is None:
        return None
    comment = (found.group(2) or "").strip()[:MAX_COMMENT] or None
    return int(found.group(1)), comment


async def on_resolved(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> bool:
    """Mark the survey due if it should go out; True if it was marked."""
    account = await Account.get_pymongo_collection().find_one({"_id": account_id}, {"csat": 1})
    if not ((account or {}).get("csat") or {}).get("enabled"):
        return False
    conv = await Conversation.get_pymongo_collection().find_one(
        {"_id": conversation_id, "account_id": account_id},
        {"handler": 1, "csat_survey": 1, "csat_requested": 1},
    )
    if conv is None or (conv.get("handler") == "bot" and not conv.get("csat_requested")):
        return False
    sent = (conv.get("csat_survey") or {}).get("sent_at")
    if sent is not None and at - _aware(sent) < RESEND_AFTER:
        return False
    result = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "account_id": account_id, "status": "resolved"},
        {"$set": {"csat_due_at": at}},
    )
    return bool(result.modified_count)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def take_answer(
    channel: ChannelRef, inbound: InboundMessage, at: dt.datetime
) -> tuple[bool, Message | None]:
    """If ``inbound`` answers a survey on its channel, take it: (True, the stored message,
    or None for a repeated delivery). (False, None): an ordinary message, for ingest."""
    conv = await Conversation.get_pymongo_collection().find_one(
        {
            "account_id": channel.account_id,
            "channel_id": channel.id,
            "contact_key": inbound.sender.key,
            "thread_key": CURRENT_THREAD,
        },
        {"status": 1, "csat_survey": 1, "csat": 1, "team_id": 1, "assignee_id": 1, "channel_id": 1},
    )
    survey = (conv or {}).get("csat_survey") or {}
    until = survey.get("awaiting_until")
    if conv is None or conv.get("status") != "resolved" or until is None or at > _aware(until):
        return False, None
    if conv.get("csat"):
        return False, None
    rated = rating_of(inbound.text, inbound.payload)
    collection = Conversation.get_pymongo_collection()
    guard = {"_id": conv["_id"], "account_id": channel.account_id, "csat": None}
    if rated is None and survey.get("retried"):
        await collection.update_one(guard, {"$set": {"csat_survey.awaiting_until": None}})
        return False, None  # the second time: a normal message, which reopens it
    message = await _store_answer(channel, conv["_id"], inbound, at)
    if message is None:
        return True, None
    if rated is None:  # one friendly retry prompt, sent by hub.centre.csat.surveys
        await collection.update_one(
            guard, {"$set": {"csat_survey.retried": True, "csat_due_at": at}}
        )
        return True, message
    if await store_rating(channel.account_id, conv, rated[0], rated[1], at):
        await collection.update_one(  # a short thank-you on the channel, by hub.centre.csat.surveys
            {"_id": conv["_id"], "account_id": channel.account_id},
            {"$set": {"csat_survey.thank": True, "csat_due_at": at}},
        )
    return True, message


async def _store_answer(
    channel: ChannelRef,
    conversation_id: PydanticObjectId,
    inbound: InboundMessage,
    at: dt.datetime,
) -> Message | None:
    """The answer in the resolved conversation's thread (it neither reopens nor counts as unread)."""
    message = Message(
        account_id=channel.account_id,
        conversation_id=conversation_id,
        channel_id=channel.id,
        direction="in",
        text=inbound.text,
        sender=Sender(type="contact", name=inbound.sender.name),
        payload=inbound.payload,
        delivery="received",
        provider_message_id=inbound.provider_message_id,
        metadata={**inbound.metadata, "from": inbound.sender.value, "csat_answer": True},
        created_at=at,
    )
    try:
        await message.insert()
    except DuplicateKeyError:
        return None
    return message


async def store_rating(
    account_id: PydanticObjectId,
    conv: dict[str, Any],
    rating: int,
    comment: str | None,
    at: dt.datetime,
) -> bool:
    """Keep the first rating of the conversation and record it (the change becomes
    ``csat.received`` in ``hub.integrations.event_webhooks``)."""
    value = {"rating": rating, "comment": comment, "at": at}
    result = await Conversation.get_pymongo_collection().update_one(
        {"_id": conv["_id"], "account_id": account_id, "csat": None},
        {"$set": {"csat": value, "csat_survey.awaiting_until": None, "updated_at": at}},
    )
    if not result.modified_count:
        return False
    account = await Account.get_pymongo_collection().find_one({"_id": account_id}, {"timezone": 1})
    await activity.record(
        account_id,
        "csat",
        at=at,
        tz=str((account or {}).get("timezone") or "UTC"),
        conversation_id=conv["_id"],
        user_id=conv.get("assignee_id"),
        team_id=conv.get("team_id"),
        channel_id=str(conv.get("channel_id")) if conv.get("channel_id") else None,
        actor={"type": "contact"},
        data={"rating": rating, "comment": comment},
        amounts={"csat_rating": rating},
    )
    return True


async def survey_by_token(token: str) -> dict[str, Any]:
    """The conversation an email survey link names; ``NotFound`` if forged or already used."""
    if not token or len(token) > 100:
        raise NotFound("survey")
    conv = await Conversation.get_pymongo_collection().find_one(
        {"csat_survey.token_hash": token_hash(token)}
    )
    if conv is None or conv.get("csat") or conv["csat_survey"].get("token_used"):
        raise NotFound("survey")
    return conv


async def answer_by_token(token: str, rating: int, comment: str | None) -> dict[str, Any]:
    """Store the email survey's answer once; a second use of the token is ``NotFound``."""
    conv = await survey_by_token(token)
    if rating not in (1, 2, 3, 4, 5):
        raise InvalidChange("invalid_rating", "rating: choose a number from 1 to 5")
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    used = await Conversation.get_pymongo_collection().update_one(
        {"_id": conv["_id"], "csat_survey.token_used": {"$ne": True}},
        {"$set": {"csat_survey.token_used": True}},
    )
    if not used.modified_count or not await store_rating(
        conv["account_id"], conv, rating, comment, now()
    ):
        raise NotFound("survey")
    return conv
