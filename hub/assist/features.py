"""The assist features: reply drafts (streamed or whole), a summary, labels, a translation.

Each checks the account's setting (``assist_ready``: 409 or 403), builds its prompt
(``hub.assist.prompts``), calls the endpoint (``hub.assist.client``: 502 on failure) and
records the use (``hub.assist.usage``). What the model answers is only returned: nothing
here sends, labels or changes anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from beanie import PydanticObjectId
from pydantic import BaseModel

from hub.assist import prompts
from hub.assist.client import ChatMessage, Usage, complete, stream
from hub.assist.drafts import MAX_DRAFTS, Draft, Splitter
from hub.assist.errors import AssistError
from hub.assist.language import detect_language
from hub.assist.settings import agent_language, assist_ready, endpoint_of
from hub.assist.usage import record, tokens
from hub.errors import InvalidInput
from hub.models import Account, Actor, Conversation, Message, User
from hub.models.account import ASSIST_LANGUAGES
from hub.pipeline.services import Hub
from hub.store import canned as canned_store
from hub.store import labels as label_store
from hub.store.conversations import get_conversation
from hub.store.messages import recent_messages

__all__ = [
    "Translated",
    "customer_language",
    "suggest",
    "suggest_labels",
    "suggest_stream",
    "summarize",
    "test_connection",
    "translate",
]

#: The newest messages read for a prompt (the token budget then keeps what fits).
READ_MESSAGES = 60
MAX_TRANSLATE_CHARS = 8000

Who = User | Actor | None


class Translated(BaseModel):
    text: str
    #: The detected language of the original (None: too short to tell).
    from_language: str | None


async def _conversation(
    account: Account, conversation_id: str | PydanticObjectId
) -> tuple[Conversation, list[Message]]:
    assert account.id is not None
    conversation = await get_conversation(account.id, conversation_id)
    return conversation, await recent_messages(account.id, conversation, READ_MESSAGES)


def customer_language(messages: list[Message]) -> str | None:
    """The language of the customer's latest messages, detected locally."""
    inbound = [m.text for m in messages if m.direction == "in" and m.text]
    return detect_language(" ".join(inbound[-3:])) if inbound else None


def _no_conversation_text(turns: list[ChatMessage]) -> None:
    if not turns:
        raise AssistError("assist_unavailable", "the conversation has no messages to work from yet")


async def suggest_stream(
    hub: Hub, account: Account, conversation_id: str | PydanticObjectId, user: Who
) -> AsyncIterator[Draft]:
    """One to three reply drafts, piece by piece as the endpoint writes them.

    One streamed completion with the drafts separated by ``---`` lines (not ``n``, which
    Ollama and other plain servers ignore), split as it streams (``hub.assist.drafts``).
    """
    setting = assist_ready(account, "suggest")
    assert account.id is not None
    conversation, messages = await _conversation(account, conversation_id)
    turns = prompts.conversation_turns(messages)
    _no_conversation_text(turns)
    resolved = await hub.resolve(conversation.channel_id)
    canned = await canned_store.list_canned(account.id)
    system = prompts.suggest_prompt(
        account.name,
        conversation,
        resolved.capabilities if resolved else None,
        canned,
        customer_language(messages),
        MAX_DRAFTS,
    )
    sent = [ChatMessage(role="system", content=system), *turns]
    splitter = Splitter()
    written: list[str] = []
    usage: Usage | None = None
    try:
        async for piece in stream(hub.http, endpoint_of(hub, setting), sent):
            usage = piece.usage or usage
            if piece.index != 0 or not piece.text:
                continue
            written.append(piece.text)
            for draft in splitter.feed(piece.text):
                yield draft
        for draft in splitter.close():
            yield draft
    finally:  # counted even when the reader stopped early (the agent closed the composer)
        if written or usage is not None:
            counted = tokens(usage, sent, "".join(written))
            await record(account, "suggest", conversation.id, user, counted)


async def suggest(
    hub: Hub, account: Account, conversation_id: str | PydanticObjectId, user: Who
) -> list[str]:
    """The drafts, whole (the API's answer)."""
    parts: dict[int, str] = {}
    async for draft in suggest_stream(hub, account, conversation_id, user):
        parts[draft.index] = parts.get(draft.index, "") + draft.delta
    drafts = [parts[i].strip() for i in sorted(parts) if parts[i].strip()]
    if not drafts:
        raise AssistError("assist_unavailable", "the model endpoint wrote no draft")
    return drafts


async def _ask(
    hub: Hub,
    account: Account,
    feature: str,
    sent: list[ChatMessage],
    conversation_id: PydanticObjectId | None,
    user: Who,
    json_object: bool = False,
) -> str:
    setting = account.assist
    assert setting is not None
    answer = await complete(hub.http, endpoint_of(hub, setting), sent, json_object)
    text = (answer.texts() or [""])[0].strip()
    await record(account, feature, conversation_id, user, tokens(answer.usage, sent, text))
    if not text:
        raise AssistError("assist_unavailable", "the model endpoint answered nothing")
    return text


def _plain(text: str, *names: str) -> str:
    """A plain-text answer, or the first of ``names`` in a JSON object answer."""
    if text.startswith("{"):
        try:
            found = json.loads(text)
        except ValueError:
            return text
        if isinstance(found, dict):
            for name in names:
                if isinstance(found.get(name), str):
                    return str(found[name]).strip()
    return text


async def summarize(
    hub: Hub, account: Account, conversation_id: str | PydanticObjectId, user: Who
) -> str:
    """What the customer wants, what was done, what is open, in the agent's language."""
    assist_ready(account, "summarize")
    conversation, messages = await _conversation(account, conversation_id)
    turns = prompts.conversation_turns(messages)
    _no_conversation_text(turns)
    system = prompts.summary_prompt(account.name, agent_language(account, user))
    sent = [ChatMessage(role="system", content=system), *turns]
    text = await _ask(hub, account, "summarize", sent, conversation.id, user)
    return _plain(text, "summary", "text")


def _label_names(text: str) -> list[str]:
    try:
        found = json.loads(text)
    except ValueError:
        return [part for part in re.split(r"[,\n]", text) if part.strip()]
    if isinstance(found, dict):
        found = found.get("labels", next(iter(found.values()), []) if found else [])
    if isinstance(found, str):
        found = [found]
    return [str(item) for item in found] if isinstance(found, list) else []


async def suggest_labels(
    hub: Hub, account: Account, conversation_id: str | PydanticObjectId, user: Who
) -> list[str]:
    """Labels for the conversation, among the account's labels only: the model's others,
    and those the conversation has already, are dropped; at most three."""
    assist_ready(account, "labels")
    assert account.id is not None
    conversation, messages = await _conversation(account, conversation_id)
    own = {label_store.normalize(label.name): label.name
           for label in await label_store.list_labels(account.id)}  # fmt: skip
    if not own:
        return []
    turns = prompts.conversation_turns(messages)
    _no_conversation_text(turns)
    sent = [ChatMessage(role="system", content=prompts.labels_prompt(sorted(own.values()))),
            *turns]  # fmt: skip
    text = await _ask(hub, account, "labels", sent, conversation.id, user, json_object=True)
    chosen: list[str] = []
    for name in _label_names(text):
        key = label_store.normalize(name.strip(" \"'#-*"))
        if key in own and own[key] not in chosen and key not in conversation.labels:
            chosen.append(own[key])
    return chosen[:MAX_DRAFTS]


async def translate(
    hub: Hub,
    account: Account,
    text: str,
    to: str,
    user: Who,
    conversation_id: PydanticObjectId | None = None,
) -> Translated:
    """``text`` in language ``to``; ``from_language`` is detected locally."""
    assist_ready(account, "translate")
    if to not in ASSIST_LANGUAGES:
        raise InvalidInput("invalid_request", f"to: one of {', '.join(ASSIST_LANGUAGES)}",
                           field="to")  # fmt: skip
    text = text[:MAX_TRANSLATE_CHARS]
    sent = [
        ChatMessage(role="system", content=prompts.translate_prompt(to)),
        ChatMessage(role="user", content=text),
    ]
    answer = await _ask(hub, account, "translate", sent, conversation_id, user)
    return Translated(
        text=_plain(answer, "text", "translation"), from_language=detect_language(text)
    )


async def test_connection(hub: Hub, account: Account, user: Who) -> str:
    """Ask the endpoint for one short sentence: its answer, or ``AssistError`` with the
    exact failure. Works while assist is switched off (to try a setting before using it)."""
    setting = account.assist
    if setting is None:
        raise AssistError("assist_not_configured", "assist is not set up for this account")
    sent = [
        ChatMessage(role="system", content="Answer in one short sentence."),
        ChatMessage(role="user", content="Say that the connection works."),
    ]
    answer = await complete(hub.http, endpoint_of(hub, setting), sent)
    text = (answer.texts() or [""])[0].strip()
    await record(account, "test", None, user, tokens(answer.usage, sent, text))
    return text
