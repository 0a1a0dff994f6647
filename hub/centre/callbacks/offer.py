"""The callback offer on phone channels (SMS, WhatsApp, RCS), and its answer.

``tick(hub)`` (called by ``CallbackOfferWorker`` every ``INTERVAL`` seconds, and by
tests with a controlled clock) finds the teams whose offer is active
(``callbacks.offer_active``) and sends each of their waiting phone conversations ONE
message with the remaining windows as quick replies; a ``callback_offers`` row with a
unique (account, conversation) key makes it once only, whichever process sends it.
Channels without buttons get the quick replies as numbered text (the outbox's
fallback), and ingest turns an answer "2" back into that option's payload.

``take_answer`` is called by ingest for every stored inbound message: a payload
``callback:N`` answering an offer creates the callback for window N and the number
the customer wrote from, and confirms it.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from typing import TYPE_CHECKING

from beanie import PydanticObjectId

from hub import tasks
from hub.centre.automatic import replies as auto_replies
from hub.centre.callbacks import lifecycle as callbacks
from hub.centre.callbacks.settings import Window, label, remaining_windows, settings_of
from hub.contract import QuickReply, now
from hub.models import (
    Account,
    CallbackOffer,
    CallbackRequest,
    Channel,
    Conversation,
    Message,
    Sender,
    Team,
)
from hub.pipeline import outbox
from hub.store import accounts as account_store
from hub.store import callbacks as store
from hub.store import paging
from hub.store import queues as queue_store

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
PAYLOAD = "callback:"
KEEP_WAITING = "callback:no"
#: Numbered choices stay single digits on SMS.
MAX_CHOICES = 6
INTERVAL = 30.0
SENDER = Sender(type="system", name="Callback offer")
OFFER_TEXT = (
    "All our agents are busy right now. We can call you back instead: "
    "reply with the number of the time that suits you."
)


async def _waiting_phone_conversations(
    account_id: PydanticObjectId, team_id: str
) -> list[Conversation]:
    found = await queue_store.waiting_in_queue(account_id, PydanticObjectId(team_id))
    return [c for c in found if c.contact_key.startswith("phone:")]


async def tick(hub: Hub) -> int:
    """Offer callbacks where a team's offer is active now; returns how many offers went out."""
    sent = 0
    # A sweep over every account, like housekeeping: teams with an enabled offer are few.
    for team in await store.teams_offering_all_accounts():
        account = await account_store.get_account(team.account_id)
        if account is None or not await callbacks.offer_active(account, team):
            continue
        for conversation in await _waiting_phone_conversations(team.account_id, str(team.id)):
            if await offer(hub, account, team, conversation):
                sent += 1
    return sent


async def offer(hub: Hub, account: Account, team: Team, conversation: Conversation) -> bool:
    """Send the one offer of ``conversation``; False when it had one already (or no window)."""
    at = now()
    tz = callbacks.account_tz(account)
    windows = remaining_windows(settings_of(team.callback), at, tz)[:MAX_CHOICES]
    if not windows:
        return False
    assert conversation.id is not None
    record = CallbackOffer(
        account_id=conversation.account_id,
        conversation_id=conversation.id,
        team_id=str(team.id),
        windows=[[w.start, w.end] for w in windows],
    )
    if not await store.insert_offer(record):
        return False
    if not await auto_replies.may_send(hub, conversation, "callback_offer"):
        return False  # automated, our own number, or the contact had an automatic reply today
    choices = [
        QuickReply(title=label(w, tz, at), payload=f"{PAYLOAD}{i}") for i, w in enumerate(windows)
    ]
    choices.append(QuickReply(title="No thanks, I'll wait", payload=KEEP_WAITING))
    try:
        await outbox.enqueue(
            hub, conversation, text=OFFER_TEXT, sender=SENDER, quick_replies=choices,
            metadata={"automatic": "callback_offer"},
        )  # fmt: skip
    except outbox.OutboxError as exc:  # e.g. outside WhatsApp's reply window: no offer then
        log.info("callback offer for %s not sent: %s", conversation.id, exc.message)
        return False
    await _still_waiting(conversation)
    return True


async def _still_waiting(conversation: Conversation) -> None:
    """The offer is an automatic message, not an answer: the customer still waits in the queue
    (the outbox marks every public message as answering the conversation)."""
    assert conversation.id is not None
    await store.keep_waiting_since(
        conversation.account_id, conversation.id, conversation.waiting_since
    )


async def take_answer(hub: Hub, channel: Channel, message: Message) -> CallbackRequest | None:
    """Create the callback a customer chose by answering the offer; None for any other message."""
    payload = message.payload or ""
    if message.direction != "in" or not payload.startswith(PAYLOAD):
        return None
    offered = await store.answer_offer(channel.account_id, message.conversation_id, now())
    if offered is None:
        return None
    choice = payload[len(PAYLOAD) :]
    if not choice.isdigit() or int(choice) >= len(offered.windows):
        return None  # "no thanks": they keep their place in the queue
    return await _create_chosen(hub, channel, message, offered, offered.windows[int(choice)])


async def _create_chosen(
    hub: Hub,
    channel: Channel,
    message: Message,
    offered: CallbackOffer,
    window: list[dt.datetime],
) -> CallbackRequest | None:
    account = await account_store.get_account(channel.account_id)
    conversation = (
        await paging.model_by_id(Conversation, channel.account_id, message.conversation_id)
        if message.conversation_id is not None
        else None
    )
    if account is None or conversation is None:
        return None
    phone = conversation.contact_key.partition(":")[2]
    callback: CallbackRequest | None = None
    try:
        callback = await callbacks.create(
            account,
            phone=phone,
            window_from=window[0],
            window_until=window[1],
            team_id=offered.team_id,
            contact_id=conversation.contact_id,
            conversation_id=conversation.id,
            channel_id=str(channel.id),
            source="offer",
        )
        when = label(Window(window[0], window[1]), callbacks.account_tz(account), now())
        text = f"Thank you. We will call you on {callback.phone} {when}."
    except callbacks.CallbackError as exc:
        log.info("callback from offer refused: %s", exc.message)
        text = "Sorry, that time is no longer available. An agent will answer you here."
    try:
        await outbox.enqueue(hub, conversation, text=text, sender=SENDER)
    except outbox.OutboxError as exc:
        log.info("callback confirmation not sent: %s", exc.message)
    return callback


class CallbackOfferWorker(tasks.Periodic):
    """Calls ``tick`` every ``INTERVAL`` seconds in each ``parley serve``."""

    def __init__(self, hub: Hub, interval: float = INTERVAL) -> None:
        self.hub = hub
        super().__init__("callback-offers", functools.partial(tick, hub), interval)
