"""Every use of assist: an audit event ``assist.used`` and the account's monthly count.

Tokens come from the endpoint's ``usage`` when it gives one; otherwise they are estimated
(four characters a token, ``hub.assist.prompts.estimate_tokens``) and the event says
``tokens_estimated: true``.
"""

from __future__ import annotations

from dataclasses import dataclass

from beanie import PydanticObjectId

from hub.assist.client import ChatMessage, Usage
from hub.assist.prompts import estimate_tokens
from hub.contract import now
from hub.models import Account, Actor, AssistUsage, User
from hub.store import assist as store
from hub.tenants import audit

__all__ = ["Tokens", "actor_of", "current_month", "month_usage", "record", "tokens"]


@dataclass(frozen=True)
class Tokens:
    tokens_in: int
    tokens_out: int
    estimated: bool


def tokens(usage: Usage | None, sent: list[ChatMessage], answer: str) -> Tokens:
    """The endpoint's counts, or estimates of both when it gave none."""
    if usage is not None and usage.prompt_tokens is not None:
        return Tokens(usage.prompt_tokens, usage.completion_tokens or 0, False)
    sent_tokens = sum(estimate_tokens(m.content) + 4 for m in sent)
    return Tokens(sent_tokens, estimate_tokens(answer), True)


def actor_of(user: User | Actor | None) -> Actor:
    if isinstance(user, User):
        return audit.of_user(user)
    return user if user is not None else audit.SYSTEM


def current_month() -> str:
    return now().strftime("%Y-%m")


async def record(
    account: Account,
    feature: str,
    conversation_id: PydanticObjectId | None,
    user: User | Actor | None,
    counted: Tokens,
) -> None:
    """Audit one use and count it in this month's usage."""
    assert account.id is not None
    details: dict[str, object] = {
        "feature": feature,
        "conversation_id": str(conversation_id) if conversation_id else None,
        "tokens_in": counted.tokens_in,
        "tokens_out": counted.tokens_out,
        "tokens_estimated": counted.estimated,
    }
    target = f"conversation:{conversation_id}" if conversation_id else None
    await audit.record(account.id, actor_of(user), "assist.used", target, None, details)
    await store.record_use(account.id, current_month(), feature, counted.tokens_in,
                           counted.tokens_out, counted.estimated)  # fmt: skip


async def month_usage(account: Account, month: str | None = None) -> AssistUsage:
    """The account's assist use this month (or ``month``, ``YYYY-MM``)."""
    assert account.id is not None
    return await store.month_usage(account.id, month or current_month())
