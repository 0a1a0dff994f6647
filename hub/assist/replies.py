"""Translation around the pipeline: inbound messages in another language, replies sent
translated.

- ``translate_inbound`` runs off the request path (``hub.background``, spawned by the
  contact centre's ``after_receive`` once the webhook is stored and answered): a message
  whose language, detected locally, differs from the agents' language gains
  ``translation``; the stored change reaches the conversation's open views through the
  change stream (``message.updated``). The agents' language here is the account's
  ``agent_language``, else the account's default language (no one agent reads it yet).
- ``translated_reply``: what to send for ``translate_to`` — the translation, with the
  agent's words kept as ``original_text``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from beanie import PydanticObjectId

from hub.assist.errors import AssistError
from hub.assist.features import Who, translate
from hub.assist.language import MIN_LETTERS, detect_language
from hub.assist.settings import agent_language, features_on
from hub.models import Account, Message, Translation
from hub.pipeline.services import Hub
from hub.store import assist as store
from hub.store.accounts import get_account

__all__ = ["TranslatedReply", "translate_inbound", "translated_reply", "worth_translating"]

log = logging.getLogger(__name__)


def worth_translating(message: Message) -> bool:
    """An inbound public message with enough text to tell its language."""
    return (
        message.direction == "in"
        and not message.private
        and sum(c.isalpha() for c in message.text) >= MIN_LETTERS
    )


async def translate_inbound(hub: Hub, account_id: PydanticObjectId, messages: list[Message]) -> int:
    """Translate the inbound ``messages`` that are in another language than the agents';
    the number translated. A failing endpoint leaves the message as it is (logged)."""
    wanted = [m for m in messages if worth_translating(m)]
    if not wanted:
        return 0
    account = await get_account(account_id)
    if account is None or "translate" not in features_on(account):
        return 0
    target = agent_language(account, None)
    done = 0
    for message in wanted:
        language = detect_language(message.text)
        if language is None or language == target or message.id is None:
            continue
        try:
            translated = await translate(
                hub, account, message.text, target, None, message.conversation_id
            )
        except AssistError as exc:
            log.info("message %s not translated: %s", message.id, exc.message)
            continue
        translation = Translation(language=language, text=translated.text)
        if await store.set_translation(account_id, message.id, translation):
            message.translation = translation
            done += 1
    return done


@dataclass(frozen=True)
class TranslatedReply:
    #: What the customer gets.
    text: str
    #: The agent's words, kept with the message.
    original_text: str


async def translated_reply(
    hub: Hub,
    account: Account,
    text: str,
    to: str,
    user: Who,
    conversation_id: PydanticObjectId | None = None,
) -> TranslatedReply:
    """The reply ``text`` in language ``to`` (``AssistError`` when it cannot be made: then
    nothing is sent)."""
    translated = await translate(hub, account, text, to, user, conversation_id)
    return TranslatedReply(text=translated.text, original_text=text)
