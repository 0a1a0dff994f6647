"""Account administration: accounts, users, channels and keys, with the plan rules applied.

The CLI, the admin pages and the API all call these, so a seat or add-on rule is
enforced the same way everywhere and every charge lands on the usage ledger.
"""

from __future__ import annotations

import logging
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from hub.contract import ChannelChange, ConnectorError
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.models import Account, AuditEvent, Channel, UsageEvent, User
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub
from hub.tenants import plans
from hub.tenants.auth import create_api_key, hash_password

log = logging.getLogger(__name__)

#: Every refusal of these functions is a typed ``hub.errors`` error (``NotFound``,
#: ``InvalidInput``, ``Conflict``, the plan errors); the old name catches them all.
AdminError = HubError


async def get_account(account_id: str | PydanticObjectId) -> Account:
    try:
        oid = PydanticObjectId(account_id)
    except (InvalidId, TypeError, ValueError):
        raise NotFound(str(account_id)) from None
    account = await Account.get(oid)
    if account is None:
        raise NotFound(str(account_id))
    return account


async def create_account(
    name: str, plan: str, seats: int, addons: list[str] | None = None, slug: str | None = None
) -> Account:
    addons = sorted(set(addons or []))
    plans.check_subscription(plan, seats, addons)
    account = Account(name=name, plan=plan.upper(), seats=seats, addons=addons, slug=slug)
    await account.insert()
    assert account.id is not None
    chosen = plans.plan(plan)
    await UsageEvent(
        account_id=account.id,
        kind="seats",
        quantity=seats,
        unit_price_eur=chosen.seat_price_eur,
        details={"plan": chosen.name},
    ).insert()
    for addon in addons:
        await UsageEvent(
            account_id=account.id,
            kind="addon",
            unit_price_eur=plans.ADDONS[addon].price_eur,
            details={"addon": addon},
        ).insert()
    await audit(account.id, "system", "account.created", str(account.id), {"plan": account.plan})
    return account


async def seats_used(account_id: PydanticObjectId) -> int:
    return await User.find(User.account_id == account_id, User.active == True).count()  # noqa: E712


async def create_user(
    account: Account, email: str, password: str, role: str, name: str = ""
) -> User:
    assert account.id is not None
    if role not in ("agent", "supervisor", "admin"):
        raise InvalidInput("invalid_role", "role must be agent, supervisor or admin", field="role")
    if len(password) < 8:
        raise InvalidInput(
            "weak_password", "a password needs at least 8 characters", field="password"
        )
    user = User(
        account_id=account.id,
        email=email.strip().lower(),
        name=name or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,
    )
    try:
        await _take_seat(account, user)
    except DuplicateKeyError:
        raise Conflict("email_taken", f"a user with {email} exists already") from None
    await audit(account.id, "system", "user.created", str(user.id), {"role": role})
    return user


async def _take_seat(account: Account, user: User) -> None:
    """Count the seats in use and insert ``user`` as one transaction.

    A count alone cannot see a racing insert, so each transaction first bumps
    the account's ``seat_version``: two concurrent sign-ups then conflict on
    that write and the loser is retried against the new count.
    """
    client = User.get_pymongo_collection().database.client

    async def attempt(session: AsyncClientSession) -> None:
        await Account.get_pymongo_collection().update_one(
            {"_id": account.id}, {"$inc": {"seat_version": 1}}, session=session
        )
        used = await User.find(
            User.account_id == account.id,
            User.active == True,  # noqa: E712
            session=session,
        ).count()
        plans.check_seat_available(account.seats, used)
        await user.insert(session=session)

    async with client.start_session() as session:
        await session.with_transaction(attempt)


async def create_channel(
    hub: Hub, account: Account, type: str, name: str, config: dict[str, Any]
) -> tuple[Channel, dict[str, Any]]:
    """Validate the connector config, store the channel, record its activation fee.

    The connector hears of it (``channel_changed``) before the fee is recorded: a
    provider that refuses the channel leaves nothing stored. Returns the channel and
    the extra fields to show once (webhook URL, embed, secrets).
    """
    assert account.id is not None
    try:
        connector = hub.registry.get(type)
    except UnknownConnector as exc:
        raise InvalidInput(
            "unknown_channel_type", f"{exc}; installed: {hub.registry.types()}", field="type"
        ) from None
    try:
        validated = connector.validate_config(config)
    except ValueError as exc:
        raise InvalidInput("invalid_config", str(exc), field="config") from None
    channel = Channel(account_id=account.id, type=type, name=name, config=validated)
    await channel.insert()
    try:
        await channel_changed(hub, channel, "added")
    except InvalidInput:
        await channel.delete()
        raise
    await UsageEvent(
        account_id=account.id,
        kind="channel_activation",
        unit_price_eur=plans.CHANNEL_ACTIVATION_FEE_EUR,
        details={"channel_id": str(channel.id), "type": type},
    ).insert()
    await audit(account.id, "system", "channel.created", str(channel.id), {"type": type})
    info = hub.channels.info(channel)
    return channel, {"webhook_url": info.webhook_url, **connector.describe(info)}


async def channel_changed(hub: Hub, channel: Channel, change: ChannelChange) -> None:
    """Tell the channel's connector that it was added, changed or removed; call after saving.

    Every place that saves a channel calls this (create here; update, activate and
    deactivate in the admin pages and the API). It drops this process's cached copy at
    once (other processes drop theirs on the change event) and runs the connector's
    ``channel_changed`` hook, which may call the provider. A ``ConnectorError`` from
    the hook on ``added`` or ``changed`` is raised as ``InvalidInput`` (field ``config``):
    the caller takes its change back. On ``removed`` it is only logged: the channel
    is gone from the hub whatever the provider says.
    """
    hub.channels.forget(channel.id)
    try:
        connector = hub.registry.get(channel.type)
    except UnknownConnector:
        return
    try:
        await connector.channel_changed(hub.channels.info(channel), change)
    except ConnectorError as exc:
        if change == "removed":
            log.warning("connector %s on removing channel %s: %s", channel.type, channel.id, exc)
            return
        raise InvalidInput(
            "provider_refused", str(exc) or "the provider refused the channel", field="config"
        ) from None


async def create_key(account: Account, name: str = "default") -> tuple[str, str]:
    assert account.id is not None
    record, key = await create_api_key(account.id, name)
    await audit(account.id, "system", "apikey.created", str(record.id), {"name": name})
    return str(record.id), key


async def audit(
    account_id: PydanticObjectId,
    actor: str,
    action: str,
    target: str | None,
    details: dict[str, Any],
) -> None:
    await AuditEvent(
        account_id=account_id, actor=actor, action=action, target=target, details=details
    ).insert()
