"""Satisfaction survey queries: the account's survey setting, and the survey's state on a
conversation (``csat_due_at``, ``csat_survey``, ``csat``).

Every write is conditioned so that a survey is claimed, and a rating kept, once: the
first rating wins (``csat: None`` in the filter), an email token is used once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field

from hub.models import Account, Conversation
from hub.models.account import Csat
from hub.models.conversation import CURRENT_THREAD
from hub.store.paging import FLOOR
from hub.store.touches import Before


class CsatAnswer(BaseModel):
    """The customer's rating on a conversation (``Conversation.csat``)."""

    rating: int
    comment: str | None = None
    at: dt.datetime


class SurveyState(BaseModel):
    """The survey's state on a conversation (``Conversation.csat_survey``)."""

    model_config = ConfigDict(extra="allow")

    sent_at: dt.datetime | None = None
    mode: str | None = None
    message_id: str | None = None
    token_hash: str | None = None
    awaiting_until: dt.datetime | None = None
    retried: bool = False
    thank: bool = False
    token_used: bool = False
    failed: str | None = None


class SurveyTarget(BaseModel):
    """What survey answers read of a conversation."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: PydanticObjectId = Field(alias="_id")
    account_id: PydanticObjectId
    channel_id: PydanticObjectId | None = None
    status: str = "open"
    handler: str = "human"
    team_id: str | None = None
    assignee_id: str | None = None
    csat_requested: bool | None = False
    csat_survey: SurveyState | None = None
    csat: CsatAnswer | None = None


class DueSurvey(NamedTuple):
    conversation_id: PydanticObjectId
    due_at: dt.datetime


def _mine(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> dict[str, Any]:
    return {"_id": conversation_id, "account_id": account_id}


def survey_target_of(before: Before) -> SurveyTarget | None:
    """``awaiting_answer``'s answer from the contact's conversation as ingest read it
    (``hub.store.threads.current``: its fields include the survey's)."""
    return _target(None if before.doc is None else dict(before.doc))


def _target(doc: dict[str, Any] | None) -> SurveyTarget | None:
    if doc is None:
        return None
    for key in ("csat_survey", "csat"):
        if not doc.get(key):
            doc[key] = None
    return SurveyTarget.model_validate(doc)


# --------------------------------------------------------------------------- the setting


async def set_setting(account_id: PydanticObjectId, setting: Csat) -> None:
    """Store the account's survey setting (one write)."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": {"csat": setting.model_dump()}}
    )


# --------------------------------------------------------------------------- due surveys


async def survey_target(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId
) -> SurveyTarget | None:
    """Whether a bot handles it, whether it asked, and the survey's state."""
    doc = await Conversation.get_pymongo_collection().find_one(
        _mine(account_id, conversation_id),
        {"handler": 1, "csat_survey": 1, "csat_requested": 1, "account_id": 1},
    )
    return _target(doc)


async def mark_due(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> bool:
    """Mark a resolved conversation's survey due at ``at``; False if it is not resolved."""
    result = await Conversation.get_pymongo_collection().update_one(
        {**_mine(account_id, conversation_id), "status": "resolved"},
        {"$set": {"csat_due_at": at}},
    )
    return bool(result.modified_count)


async def due_surveys_all_accounts(at: dt.datetime, limit: int) -> list[DueSurvey]:
    """Surveys of every account due by ``at``: a bounded range read of ``csat_due_at``
    (the timers' sweep spans accounts)."""
    due = (
        await Conversation.get_pymongo_collection()
        .find({"csat_due_at": {"$gte": FLOOR, "$lte": at}}, {"_id": 1, "csat_due_at": 1})
        .limit(limit)
        .to_list()
    )
    return [DueSurvey(doc["_id"], doc["csat_due_at"]) for doc in due]


async def claim_survey_all_accounts(survey: DueSurvey) -> Conversation | None:
    """Claim a due survey (clear ``csat_due_at`` if still the same): once, whichever process."""
    claimed = await Conversation.get_pymongo_collection().find_one_and_update(
        {"_id": survey.conversation_id, "csat_due_at": survey.due_at},
        {"$set": {"csat_due_at": None}},
    )
    return None if claimed is None else Conversation.model_validate(claimed)


async def start_survey(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, survey: SurveyState
) -> None:
    """The survey goes out now (written before sending: an answer may come back at once)."""
    fields = survey.model_dump(
        include={"sent_at", "mode", "message_id", "token_hash", "awaiting_until", "retried"}
    )
    await Conversation.get_pymongo_collection().update_one(
        _mine(account_id, conversation_id), {"$set": {"csat_survey": fields}}
    )


async def survey_failed(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, code: str
) -> None:
    failed = {"csat_survey.awaiting_until": None, "csat_survey.failed": code}
    await Conversation.get_pymongo_collection().update_one(
        _mine(account_id, conversation_id), {"$set": failed}
    )


async def survey_sent(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, message_id: PydanticObjectId
) -> None:
    await Conversation.get_pymongo_collection().update_one(
        _mine(account_id, conversation_id), {"$set": {"csat_survey.message_id": str(message_id)}}
    )


async def thanked(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    await Conversation.get_pymongo_collection().update_one(
        _mine(account_id, conversation_id), {"$set": {"csat_survey.thank": False}}
    )


# --------------------------------------------------------------------------- answers


async def awaiting_answer(
    account_id: PydanticObjectId, channel_id: PydanticObjectId, contact_key: str
) -> SurveyTarget | None:
    """The contact's current conversation on the channel, with its survey and rating."""
    doc = await Conversation.get_pymongo_collection().find_one(
        {
            "account_id": account_id,
            "channel_id": channel_id,
            "contact_key": contact_key,
            "thread_key": CURRENT_THREAD,
        },
        {
            "status": 1,
            "csat_survey": 1,
            "csat": 1,
            "team_id": 1,
            "assignee_id": 1,
            "channel_id": 1,
            "account_id": 1,
        },
    )
    return _target(doc)


async def stop_awaiting(account_id: PydanticObjectId, conversation_id: PydanticObjectId) -> None:
    """No more answers are read from the channel (unless a rating came meanwhile)."""
    await Conversation.get_pymongo_collection().update_one(
        {**_mine(account_id, conversation_id), "csat": None},
        {"$set": {"csat_survey.awaiting_until": None}},
    )


async def ask_again(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> None:
    """One retry prompt is due now (unless a rating came meanwhile)."""
    await Conversation.get_pymongo_collection().update_one(
        {**_mine(account_id, conversation_id), "csat": None},
        {"$set": {"csat_survey.retried": True, "csat_due_at": at}},
    )


async def thank_now(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, at: dt.datetime
) -> None:
    """A thank-you on the channel is due now."""
    await Conversation.get_pymongo_collection().update_one(
        _mine(account_id, conversation_id),
        {"$set": {"csat_survey.thank": True, "csat_due_at": at}},
    )


async def keep_rating(
    account_id: PydanticObjectId, conversation_id: PydanticObjectId, answer: CsatAnswer
) -> bool:
    """Keep ``answer`` if the conversation has no rating yet; False if it had one."""
    result = await Conversation.get_pymongo_collection().update_one(
        {**_mine(account_id, conversation_id), "csat": None},
        {
            "$set": {
                "csat": answer.model_dump(),
                "csat_survey.awaiting_until": None,
                "updated_at": answer.at,
            }
        },
    )
    return bool(result.modified_count)


async def by_token_hash_all_accounts(token_hash: str) -> Conversation | None:
    """The conversation an email survey's token names (the token is the key: no account
    is known yet)."""
    doc = await Conversation.get_pymongo_collection().find_one(
        {"csat_survey.token_hash": token_hash}
    )
    return None if doc is None else Conversation.model_validate(doc)


async def use_token(conversation_id: PydanticObjectId) -> bool:
    """Mark the email survey's token used; False if it already was."""
    used = await Conversation.get_pymongo_collection().update_one(
        {"_id": conversation_id, "csat_survey.token_used": {"$ne": True}},
        {"$set": {"csat_survey.token_used": True}},
    )
    return bool(used.modified_count)
