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
from typing import Protocol

from beanie import PydanticObjectId

from hub.contract import InboundMessage, now
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.facts import activity
from hub.models import Conversation, Message, Sender
from hub.models.account import Csat
from hub.store import accounts as account_store
from hub.store import csat as store
from hub.store import messages as message_store
from hub.store import threads
from hub.store.csat import CsatAnswer

__all__ = [
    "ANSWER_WINDOW",
    "DEFAULT_QUESTION",
    "MAX_COMMENT",
    "Csat",
    "answer_by_token",
    "configure",
    "on_resolved",
    "question",
    "rating_of",
    "store_rating",
    "survey_by_token",
    "take_answer",
    "token_hash",
]


class ChannelRef(Protocol):
    """The channel a message came in on, as ingest holds it (``ResolvedChannel``)."""

    @property
    def id(self) -> PydanticObjectId: ...

    @property
    def account_id(self) -> PydanticObjectId: ...


class Rated(Protocol):
    """A conversation being rated: a ``SurveyTarget`` or a ``Conversation``."""

    @property
    def id(self) -> PydanticObjectId | None: ...

    @property
    def team_id(self) -> str | None: ...

    @property
    def assignee_id(self) -> str | None: ...

    @property
    def channel_id(self) -> PydanticObjectId | None: ...


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


def question(setting: Csat | None) -> str:
    """The survey's question: the account's own (``Account.csat``), or the default."""
    return (setting.question if setting is not None else None) or DEFAULT_QUESTION


async def configure(account_id: PydanticObjectId, enabled: bool, text: str | None) -> Csat:
    """Turn the survey on or off and set its question (None or blank: the default)."""
    if not isinstance(enabled, bool):
        raise InvalidChange("invalid_csat", "csat.enabled must be true or false")
    text = (text or "").strip() or None
    if text is not None and len(text) > 300:
        raise InvalidChange("invalid_csat", "csat.question holds at most 300 characters")
    value = Csat(enabled=enabled, question=text)
    await store.set_setting(account_id, value)
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
    account = await account_store.get_account(account_id)
    if account is None or account.csat is None or not account.csat.enabled:
        return False
    conv = await store.survey_target(account_id, conversation_id)
    if conv is None or (conv.handler == "bot" and not conv.csat_requested):
        return False
    sent = conv.csat_survey.sent_at if conv.csat_survey is not None else None
    if sent is not None and at - _aware(sent) < RESEND_AFTER:
        return False
    return await store.mark_due(account_id, conversation_id, at)


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


async def take_answer(
    channel: ChannelRef,
    inbound: InboundMessage,
    at: dt.datetime,
    before: threads.Before | None = None,
) -> tuple[bool, Message | None]:
    """If ``inbound`` answers a survey on its channel, take it: (True, the stored message,
    or None for a repeated delivery). (False, None): an ordinary message, for ingest.
    ``before``: the contact's current conversation on the channel, read by ingest already
    (``hub.store.threads.current``); read here when not given."""
    account_id = channel.account_id
    key = threads.ThreadKey(account_id, channel.id, inbound.sender.key)
    if before is not None and before.key == key:
        conv = store.survey_target_of(before)
    else:
        conv = await store.awaiting_answer(account_id, channel.id, inbound.sender.key)
    survey = (conv.csat_survey if conv is not None else None) or store.SurveyState()
    until = survey.awaiting_until
    if conv is None or conv.status != "resolved" or until is None or at > _aware(until):
        return False, None
    if conv.csat is not None:
        return False, None
    rated = rating_of(inbound.text, inbound.payload)
    if rated is None and survey.retried:
        await store.stop_awaiting(account_id, conv.id)
        return False, None  # the second time: a normal message, which reopens it
    message = await _store_answer(channel, conv.id, inbound, at)
    if message is None:
        return True, None
    if rated is None:  # one friendly retry prompt, sent by hub.centre.csat.surveys
        await store.ask_again(account_id, conv.id, at)
        return True, message
    if await store_rating(account_id, conv, rated[0], rated[1], at):
        # a short thank-you on the channel, by hub.centre.csat.surveys
        await store.thank_now(account_id, conv.id, at)
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
    return message if await message_store.insert_message_once(message) else None


async def store_rating(
    account_id: PydanticObjectId,
    conv: Rated,
    rating: int,
    comment: str | None,
    at: dt.datetime,
) -> bool:
    """Keep the first rating of the conversation and record it (the change becomes
    ``csat.received`` in ``hub.integrations.event_webhooks``)."""
    assert conv.id is not None
    if not await store.keep_rating(
        account_id, conv.id, CsatAnswer(rating=rating, comment=comment, at=at)
    ):
        return False
    account = await account_store.get_account(account_id)
    await activity.record(
        account_id,
        "csat",
        at=at,
        tz=str((account.timezone if account is not None else None) or "UTC"),
        conversation_id=conv.id,
        user_id=conv.assignee_id,
        team_id=conv.team_id,
        channel_id=str(conv.channel_id) if conv.channel_id else None,
        actor={"type": "contact"},
        data={"rating": rating, "comment": comment},
        amounts={"csat_rating": rating},
    )
    return True


async def survey_by_token(token: str) -> Conversation:
    """The conversation an email survey link names; ``NotFound`` if forged or already used."""
    if not token or len(token) > 100:
        raise NotFound("survey")
    conv = await store.by_token_hash_all_accounts(token_hash(token))
    if conv is None or conv.csat or (conv.csat_survey or {}).get("token_used"):
        raise NotFound("survey")
    return conv


async def answer_by_token(token: str, rating: int, comment: str | None) -> Conversation:
    """Store the email survey's answer once; a second use of the token is ``NotFound``."""
    conv = await survey_by_token(token)
    assert conv.id is not None
    if rating not in (1, 2, 3, 4, 5):
        raise InvalidChange("invalid_rating", "rating: choose a number from 1 to 5")
    comment = (comment or "").strip()[:MAX_COMMENT] or None
    if not await store.use_token(conv.id) or not await store_rating(
        conv.account_id, conv, rating, comment, now()
    ):
        raise NotFound("survey")
    return conv
