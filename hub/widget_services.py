"""The hub as the web chat widget sees it: the one hub module ``webchat_widget`` imports.

The widget (``webchat_widget``) is a connector with its own visitor API. It may import
``hub.contract`` (as every connector) and this module, nothing else of the hub
(an import-linter contract holds it). Everything here is either a typed function over
the store and the core, or a re-exported type the widget names in its signatures.

It sits above the core (it imports the store, the pipeline, the tenants, the centre
and the facts, and the views' shared ``hub.web.answers``, never a view), and nothing
in the hub imports it. Its refusals
(``WidgetError``) carry their HTTP status; ``answering`` turns them into the hub's one
JSON error shape (``hub.web.answers``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable

from beanie import PydanticObjectId
from starlette.requests import Request
from starlette.responses import Response

from hub.centre.callbacks import lifecycle as _callbacks
from hub.centre.callbacks.settings import remaining_windows, settings_of
from hub.contract import Address
from hub.errors import HubError
from hub.facts.reply_time import typical_reply_minutes
from hub.models import Account, CallbackRequest, Channel, Contact, Message, Sender, Team, User
from hub.pipeline import ingest, outbox
from hub.pipeline.channels import ResolvedChannel
from hub.pipeline.media import MediaNotFound
from hub.pipeline.realtime import Event, Subscription
from hub.pipeline.services import Hub
from hub.store import accounts as _accounts
from hub.store import channels as _channels
from hub.store import teams as _teams
from hub.store import users as _users
from hub.store import widget as _widget
from hub.store.contacts import (
    AttributeValue,
    contact_by_address,
    find_or_create_contact,
    set_contact_fields,
)
from hub.store.ids import try_id
from hub.store.widget import (
    Database,
    RateWindow,
    TypingSide,
    VisitorMessage,
    ensure_indexes,
    is_webchat_conversation,
    message_position,
    visitor_conversation_ids,
    visitor_message_by_provider_id,
    visitor_messages,
    visitor_seen_at,
)
from hub.tenants.auth import csrf_ok, session_user
from hub.web.answers import BodyTooLarge, error_response, read_body_limited

__all__ = [
    "MAX_CALLBACK_INPUT",
    "Account",
    "AttributeValue",
    "BodyTooLarge",
    "CallbackRequest",
    "Channel",
    "Contact",
    "Database",
    "Event",
    "Hub",
    "HubError",
    "InvalidCallback",
    "MediaNotFound",
    "RateWindow",
    "ResolvedChannel",
    "Sender",
    "Subscription",
    "Team",
    "TypingSide",
    "User",
    "VisitorMessage",
    "WidgetError",
    "account_timezone",
    "active_channel_of_type",
    "active_users",
    "answering",
    "callback_offer_active",
    "callback_team",
    "contact_by_address",
    "count_hit",
    "create_callback",
    "csrf_ok",
    "demo_account",
    "ensure_indexes",
    "find_or_create_contact",
    "get_account",
    "is_webchat_conversation",
    "message_position",
    "read_body_limited",
    "remaining_windows",
    "send_from_channel",
    "session_user",
    "set_contact_fields",
    "set_typing",
    "settings_of",
    "team_name",
    "try_id",
    "typical_reply_minutes",
    "visitor_conversation_ids",
    "visitor_message_by_provider_id",
    "visitor_messages",
    "visitor_seen_at",
]

# --------------------------------------------------------------------------- refusals

Endpoint = Callable[[Request], Awaitable[Response]]


class WidgetError(Exception):
    """A refusal of the widget's visitor API, with its status: answered
    ``{"error": {"code", "message"}}`` like every JSON error of the hub."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers


def answering(endpoint: Endpoint) -> Endpoint:
    """``endpoint`` with its ``WidgetError`` answered in the hub's JSON error shape (the
    hub's typed errors, ``hub.errors``, are answered by the application's handlers)."""

    @functools.wraps(endpoint)
    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except WidgetError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)

    return answered


# --------------------------------------------------------------------------- the widget's store


async def count_hit(
    database: Database, scope: str, key: str, window: dt.timedelta, at: dt.datetime
) -> RateWindow | None:
    """One hit of a rate counter (``hub.store.widget.count_hit``)."""
    return await _widget.count_hit(database, scope, key, window, at)


async def set_typing(
    database: Database,
    *,
    account_id: PydanticObjectId,
    conversation_id: PydanticObjectId,
    side: TypingSide,
    typing: bool,
    name: str | None,
    ttl: dt.timedelta,
) -> None:
    """Store a typing indicator (``hub.store.widget.set_typing``)."""
    await _widget.set_typing(
        database,
        account_id=account_id,
        conversation_id=conversation_id,
        side=side,
        typing=typing,
        name=name,
        ttl=ttl,
    )


# --------------------------------------------------------------------------- accounts, channels


async def get_account(account_id: PydanticObjectId) -> Account | None:
    return await _accounts.get_account(account_id)


async def demo_account() -> Account | None:
    """The demo account (``parley serve --demo``), if this hub has one."""
    return await _accounts.account_by_slug_all_accounts("demo")


async def active_channel_of_type(account_id: PydanticObjectId, channel_type: str) -> Channel | None:
    return await _channels.active_channel_of_type(account_id, channel_type)


async def team_name(account_id: PydanticObjectId, team_id: str | None) -> str | None:
    """The name of the account's team ``team_id`` (a channel's ``default_team_id``)."""
    oid = try_id(team_id) if team_id else None
    if oid is None:
        return None
    team = await _teams.find_team(account_id, oid)
    return team.name if team else None


async def active_users(account_id: PydanticObjectId) -> list[User]:
    return await _users.active_users(account_id)


# --------------------------------------------------------------------------- transcripts


async def send_from_channel(
    hub: Hub,
    channel: ResolvedChannel,
    address: Address,
    *,
    text: str,
    subject: str,
    sender: Sender,
) -> Message:
    """Send ``text`` to ``address`` from ``channel`` as its own conversation, through the
    outbox like any reply. Raises ``HubError`` (e.g. the channel went inactive)."""
    conversation, _ = await ingest.open_conversation(hub, channel, address)
    return await outbox.enqueue(hub, conversation, text=text, subject=subject, sender=sender)


# --------------------------------------------------------------------------- callbacks

InvalidCallback = _callbacks.InvalidCallback
MAX_CALLBACK_INPUT = _callbacks.MAX_INPUT


async def callback_team(account_id: PydanticObjectId, team_id: str | None) -> Team | None:
    """The account's team ``team_id``; raises ``InvalidCallback`` for an unknown one."""
    return await _callbacks.team_of(account_id, team_id)


async def callback_offer_active(account: Account, team: Team) -> bool:
    return await _callbacks.offer_active(account, team)


def account_timezone(account: Account) -> str:
    return _callbacks.account_tz(account)


async def create_callback(
    account: Account,
    *,
    phone: str,
    window_from: dt.datetime,
    window_until: dt.datetime,
    team_id: str,
    customer_input: str,
    contact_id: PydanticObjectId | None,
    conversation_id: PydanticObjectId | None,
    channel_id: str,
) -> CallbackRequest:
    """A callback the visitor asked for in the widget (``source: "widget"``)."""
    return await _callbacks.create(
        account,
        phone=phone,
        window_from=window_from,
        window_until=window_until,
        team_id=team_id,
        customer_input=customer_input,
        contact_id=contact_id,
        conversation_id=conversation_id,
        channel_id=channel_id,
        source="widget",
    )
