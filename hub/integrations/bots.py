"""Chatbots: registration on channels, the bot's token, replies, hand-over and the fallback.

A bot registered on a channel makes routing (``hub.centre.routing.handler``) open that channel's new
conversations with ``handler: "bot"``. Their inbound messages go to the bot's webhook
(``hub.integrations.event_webhooks``), not to the agents' queue. The conversation comes to humans
when the bot hands it over, when its webhook keeps failing, or when it leaves an
inbound message unanswered longer than ``Settings.bot_answer_timeout_seconds``
(``BotWatch``, a timed check in every ``parley serve``).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub import tasks
from hub.centre import changes
from hub.contract import QuickReply, now
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.integrations import signing
from hub.models import Bot, Conversation, Message, Sender
from hub.pipeline import outbound, outbox
from hub.pipeline.channel_secrets import SIGNING_FIELDS, Cipher
from hub.store import bots as store
from hub.store import refs
from hub.store.ids import parse_id

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
TOKEN_PREFIX = "pb_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- registration


async def register(
    account_id: PydanticObjectId,
    name: str,
    webhook_url: str,
    channel_ids: list[str] | list[PydanticObjectId],
    cipher: Cipher,
) -> tuple[Bot, str]:
    """Store a bot and put it on its channels; returns the bot and its token (shown once).

    Its signing secret is stored sealed with ``cipher``; the bot returned holds it plain,
    in memory only (shown once too).

    Raises ``OutboundRefused`` when ``webhook_url`` may not be called (inside addresses).
    """
    await outbound.check_url_async(str(webhook_url))
    ids = list(dict.fromkeys(parse_id(c) for c in channel_ids))
    channels = await store.account_channels(account_id, ids)
    if len(channels) != len(ids):
        raise InvalidInput(
            "unknown_channel",
            "every channel_id must be a channel of this account",
            field="channel_ids",
        )
    taken = [str(c.id) for c in channels if c.bot_id]
    if taken:
        raise Conflict("channel_has_bot", f"channels {taken} already have a bot")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    secret = signing.new_secret()
    bot = Bot(
        account_id=account_id,
        name=name,
        webhook_url=webhook_url,
        channel_ids=ids,
        token_digest=_digest(token),
        secret=cipher.seal(SIGNING_FIELDS["bot"], secret),
    )
    await store.insert_bot(bot)
    assert bot.id is not None
    if await store.put_on_channels(account_id, bot.id, ids) != len(ids):
        # another bot took a channel meanwhile
        await store.delete_bot(bot)
        raise Conflict("channel_has_bot", "a channel got another bot meanwhile; try again")
    shown: Bot = bot.model_copy(update={"secret": secret})
    return shown, token


async def bot_for_token(token: str) -> Bot | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    return await store.bot_by_token_digest_all_accounts(_digest(token))


async def get_bot(account_id: PydanticObjectId, bot_id: str | PydanticObjectId) -> Bot:
    found = await store.get_bot(account_id, parse_id(bot_id))
    if found is None:
        raise NotFound(str(bot_id))
    return found


async def remove(hub: Hub, account_id: PydanticObjectId, bot_id: str | PydanticObjectId) -> None:
    """Take the bot off its channels and give its running conversations to humans."""
    bot = await get_bot(account_id, bot_id)
    assert bot.id is not None
    await store.delete_bot(bot)
    async for conversation_id in store.running_conversation_ids(account_id, bot.id):
        await handoff(hub, account_id, conversation_id, note=f"The bot {bot.name} was removed.")


# --------------------------------------------------------------------------- conversations


async def bot_conversation_any(bot: Bot, conversation_id: str | PydanticObjectId) -> Conversation:
    """A conversation this bot was given (with it still or not); 404 for any other."""
    assert bot.id is not None
    found = await store.bot_conversation(bot.account_id, bot.id, parse_id(conversation_id))
    if found is None:
        raise NotFound(str(conversation_id))
    return found


async def bot_conversation(bot: Bot, conversation_id: str | PydanticObjectId) -> Conversation:
    """A conversation this bot handles now; 404 for others, 409 once it went to humans."""
    found = await bot_conversation_any(bot, conversation_id)
    if found.handler != "bot":
        raise Conflict("handed_off", "this conversation is with humans now")
    return found


async def reply(
    hub: Hub, bot: Bot, conversation: Conversation, text: str, quick_replies: list[QuickReply]
) -> Message:
    """The bot's answer, queued through the outbox like every outbound message."""
    return await outbox.enqueue(
        hub,
        conversation,
        text=text,
        quick_replies=quick_replies,
        sender=Sender(type="bot", id=str(bot.id), name=bot.name),
    )


async def handoff(
    hub: Hub,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    team_id: str | None = None,
    note: str | None = None,
    sender: Sender | None = None,
) -> Conversation | None:
    """Give a bot conversation to humans: open, in the queue, with ``note`` as a private note.

    Atomic on ``handler: "bot"``, so of several processes (or a bot and the timed
    fallback) exactly one hands it over. Returns None when it was with humans already.
    """
    if team_id is not None:  # checked before anything moves: a hand-over to no queue is none
        team_id = str(await refs.known_team(account_id, team_id, "team_id"))
    conversation = await store.hand_to_humans(account_id, conversation_id, now(), team_id)
    if conversation is None:
        return None
    if note:
        try:
            await outbox.enqueue(
                hub,
                conversation,
                text=note,
                private=True,
                sender=sender or Sender(type="system", name="Parley"),
            )
        except HubError as exc:  # e.g. the channel was removed: the hand-over stands
            log.warning("hand-over note of %s not stored: %s", conversation_id, exc.message)
    # The one path of a change of handler: SLA clocks start, the queues are dispatched.
    await changes.handed_to_people(account_id, conversation, hub)
    return conversation


# --------------------------------------------------------------------------- fallback


async def hand_over_unanswered(hub: Hub) -> int:
    """Give humans every bot conversation whose customer waited past the answer timeout."""
    timeout = hub.settings.bot_answer_timeout_seconds
    limit = now() - dt.timedelta(seconds=timeout)
    moved = 0
    async for ref in store.waiting_since_all_accounts(limit):
        note = f"The bot did not answer within {timeout:g} s; handed over to the team."
        if await handoff(hub, ref.account_id, ref.conversation_id, note=note):
            moved += 1
    return moved


class BotWatch(tasks.Periodic):
    """The timed check behind the fallback; one per ``parley serve``."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        interval = min(30.0, max(0.2, hub.settings.bot_answer_timeout_seconds / 4))
        super().__init__("botwatch", functools.partial(hand_over_unanswered, hub), interval)
