"""Account administration: accounts, their subscription, users' seats, channels and keys.

The CLI, the admin pages and the API all call these, so a seat or add-on rule is
enforced the same way everywhere, every charge lands on the usage ledger and every
change is an audit event with its real actor. A change and its ledger events are
written in one transaction: a refused or failed change leaves nothing behind.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from hub.contract import ChannelChange, ConnectorError
from hub.errors import Conflict, HubError, InvalidInput, NotFound
from hub.models import Account, Actor, ApiKey, Channel, User
from hub.models.user import ROLES, SEAT_ROLES
from hub.pipeline import outbound
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub
from hub.tenants import audit, charges, plans
from hub.tenants.auth import create_api_key, hash_password

#: Every refusal of these functions is a typed ``hub.errors`` error (``NotFound``,
#: ``InvalidInput``, ``Conflict``, ``Gone``, the plan errors); the old name catches them all.
log = logging.getLogger(__name__)
AdminError = HubError


def object_id(value: str | PydanticObjectId, what: str) -> PydanticObjectId:
    try:
        return PydanticObjectId(value)
    except (InvalidId, TypeError, ValueError):
        raise NotFound(f"no {what} {value}") from None


async def in_transaction(work: Callable[[AsyncClientSession], Awaitable[Any]]) -> None:
    """Run ``work`` in one transaction (retried by the driver on a transient conflict)."""
    client = User.get_pymongo_collection().database.client
    async with client.start_session() as session:
        await session.with_transaction(work)


# --------------------------------------------------------------------------- accounts


async def get_account(account_id: str | PydanticObjectId) -> Account:
    account = await Account.get(object_id(account_id, "account"))
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


async def list_accounts() -> list[Account]:
    """Every account (the operator's view), oldest first."""
    return await Account.find_all().sort("created_at").to_list()


async def create_account(
    name: str,
    plan: str,
    seats: int,
    addons: list[str] | None = None,
    slug: str | None = None,
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> Account:
    """A new account, charged its activation (and the API activation with ``generic_api``)."""
    addons = sorted(set(addons or []))
    plans.check_subscription(plan, seats, addons)
    account = Account(name=name, plan=plan.upper(), seats=seats, addons=addons, slug=slug)

    async def work(session: AsyncClientSession) -> None:
        await account.insert(session=session)
        assert account.id is not None
        events = [
            charges.one_off(account.id, "account_activation", plans.ACCOUNT_ACTIVATION_FEE_EUR, {}),
            charges.snapshot(account),
        ]
        if plans.API_ACTIVATION_ADDON in addons:
            events.append(_api_activation(account.id))
        for event in events:
            await event.insert(session=session)

    await in_transaction(work)
    assert account.id is not None
    details = {"name": name, "plan": account.plan, "seats": seats, "addons": addons}
    await audit.record(account.id, actor, "account.created", f"account:{account.id}", ip, details)
    return account


def _api_activation(account_id: PydanticObjectId) -> Any:
    return charges.one_off(
        account_id, "api_activation", plans.API_ACTIVATION_FEE_EUR, {"addon": "generic_api"}
    )


async def seats_used(
    account_id: PydanticObjectId, session: AsyncClientSession | None = None
) -> int:
    """Active users holding a seat (dashboard users hold none)."""
    return await User.find(
        {"account_id": account_id, "active": True, "role": {"$in": list(SEAT_ROLES)}},
        session=session,
    ).count()


async def update_subscription(
    account: Account,
    plan: str | None = None,
    seats: int | None = None,
    add: list[str] | None = None,
    remove: list[str] | None = None,
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> Account:
    """Change the plan, seats and add-ons under the plan rules; ledger and audit record it.

    Refused (``SeatLimit``, ``AddonRequired``, ``UnknownPlan``) with nothing stored.
    """
    assert account.id is not None
    new_plan = plans.plan(plan or account.plan).name
    new_seats = account.seats if seats is None else seats
    removed = sorted(set(remove or []))
    new_addons = sorted((set(account.addons) | set(add or [])) - set(removed))
    before = {"plan": account.plan, "seats": account.seats, "addons": sorted(account.addons)}
    after = {"plan": new_plan, "seats": new_seats, "addons": new_addons}
    if before == after:
        return account

    async def work(session: AsyncClientSession) -> None:
        await _bump_seat_version(account.id, session)
        used = await seats_used(account.id, session)  # type: ignore[arg-type]
        plans.check_change(new_plan, new_seats, new_addons, used, removed)
        await Account.get_pymongo_collection().update_one(
            {"_id": account.id}, {"$set": after}, session=session
        )
        changed = account.model_copy(update=after)
        await charges.snapshot(changed).insert(session=session)
        first_api = plans.API_ACTIVATION_ADDON in new_addons
        if first_api and not await charges.api_activated(account.id, session):  # type: ignore[arg-type]
            await _api_activation(account.id).insert(session=session)  # type: ignore[arg-type]

    await in_transaction(work)
    details = {"before": before, "after": after}
    await audit.record(account.id, actor, "account.subscription_changed",
                       f"account:{account.id}", ip, details)  # fmt: skip
    return await get_account(account.id)


async def update_settings(
    account: Account, changes: dict[str, Any], actor: Actor = audit.SYSTEM, ip: str | None = None
) -> Account:
    """Store already validated settings (time zone, hours, CRM link, …) and audit them."""
    assert account.id is not None
    allowed = {"timezone", "business_hours", "holidays", "crm_url_template", "number_lookup",
               "retention", "csat", "name"}  # fmt: skip
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(
            "invalid_request", f"not an account setting: {', '.join(sorted(unknown))}"
        )
    if changes:
        await Account.get_pymongo_collection().update_one({"_id": account.id}, {"$set": changes})
        await audit.record(account.id, actor, "account.settings_changed",
                           f"account:{account.id}", ip, changes)  # fmt: skip
    return await get_account(account.id)


async def _bump_seat_version(
    account_id: PydanticObjectId | None, session: AsyncClientSession
) -> None:
    """Every seat decision writes this first, so two racing ones conflict and one retries."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$inc": {"seat_version": 1}}, session=session
    )


# --------------------------------------------------------------------------- users


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput("invalid_role", f"role must be one of {', '.join(ROLES)}")


def check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("weak_password", "a password needs at least 8 characters")
    if len(password) > 1024:
        raise InvalidInput("weak_password", "a password has at most 1024 characters")


async def create_user(
    account: Account,
    email: str,
    password: str | None,
    role: str,
    name: str = "",
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
    team_ids: list[str] | None = None,
    capacity: int | None = None,
) -> User:
    """A new user; one with a seat role takes a seat (``SeatLimit`` when none is free).

    ``password`` None makes a user who signs in only after setting one through a
    one-time link (``hub.tenants.users.password_link``).
    """
    assert account.id is not None
    check_role(role)
    if password is not None:
        check_password(password)
    email = email.strip().lower()
    if not 3 <= len(email) <= 254 or "@" not in email or " " in email:
        raise InvalidInput("invalid_email", "email must be an address like ann@example.com")
    user = User(
        account_id=account.id,
        email=email,
        name=name or email.split("@")[0],
        # Unusable until a password is set: no Argon2 hash matches it.
        password_hash=hash_password(password) if password is not None else "!unset",
        role=role,
        team_ids=team_ids or [],
        capacity=capacity,
    )
    try:
        await take_seat(account, user, insert=True)
    except DuplicateKeyError:
        raise Conflict("email_taken", f"a user with {email} exists already") from None
    details = {"email": email, "role": role}
    await audit.record(account.id, actor, "user.created", f"user:{user.id}", ip, details)
    return user


async def take_seat(
    account: Account, user: User, insert: bool = False, changes: dict[str, Any] | None = None
) -> None:
    """Check a free seat for ``user`` and insert it (or ``$set`` ``changes``) in one transaction.

    A count alone cannot see a racing insert, so each transaction first bumps the
    account's ``seat_version``: two concurrent seat takers conflict on that write and
    the loser is retried against the new count. No seat is needed for a dashboard user.
    """
    seats = account.seats

    async def attempt(session: AsyncClientSession) -> None:
        await _bump_seat_version(account.id, session)
        fresh = await Account.get_pymongo_collection().find_one(
            {"_id": account.id}, session=session
        )
        limit = int(fresh["seats"]) if fresh else seats
        if user.role in SEAT_ROLES and user.active:
            plans.check_seat_available(limit, await seats_used(account.id, session))  # type: ignore[arg-type]
        if insert:
            await user.insert(session=session)
        else:
            await User.get_pymongo_collection().update_one(
                {"_id": user.id, "account_id": account.id}, {"$set": changes or {}}, session=session
            )

    await in_transaction(attempt)


# --------------------------------------------------------------------------- channels


def _config_errors(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        field = loc[0] if loc else "config"
        inner = ".".join(loc[1:])
        fields.setdefault(field, f"{inner}: {err['msg']}" if inner else err["msg"])
    return fields


def validate_config(hub: Hub, type: str, config: dict[str, Any]) -> dict[str, Any]:
    """The connector's validated config; ``AdminError`` naming each bad field otherwise."""
    try:
        connector = hub.registry.get(type)
    except UnknownConnector as exc:
        raise InvalidInput(
            "unknown_channel_type", f"{exc}; installed: {hub.registry.types()}"
        ) from None
    try:
        return connector.validate_config(config)
    except ValidationError as exc:
        fields = _config_errors(exc)
        message = "; ".join(f"config.{k}: {v}" for k, v in fields.items())
        raise InvalidInput("invalid_config", message, fields=fields) from None
    except ValueError as exc:
        raise InvalidInput("invalid_config", str(exc)) from None


async def create_channel(
    hub: Hub,
    account: Account,
    type: str,
    name: str,
    config: dict[str, Any],
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
    default_team_id: str | None = None,
) -> tuple[Channel, dict[str, Any]]:
    """Validate the connector config, store the channel with its activation fee (one transaction).

    The connector's secret fields are stored sealed (``hub.pipeline.channel_secrets``).
    Returns the channel, its secrets opened in memory (never save it), and the
    extra fields to show once (webhook URL, embed, secrets).
    """
    assert account.id is not None
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput(
            "invalid_name", "a channel name is 1-80 characters", fields={"name": "1-80 characters"}
        )
    validated = validate_config(hub, type, config)
    await check_base_url(validated)
    channel = Channel(
        id=PydanticObjectId(),
        account_id=account.id,
        type=type,
        name=name,
        config=hub.sealed_config(type, validated),
        default_team_id=default_team_id,
    )
    # The provider hears of it first: one that refuses the channel leaves nothing stored.
    await channel_changed(hub, channel, "added")

    async def work(session: AsyncClientSession) -> None:
        await channel.insert(session=session)
        details = {"channel_id": str(channel.id), "type": type, "name": name}
        assert account.id is not None
        fee = charges.one_off(
            account.id, "channel_activation", plans.CHANNEL_ACTIVATION_FEE_EUR, details
        )
        await fee.insert(session=session)

    await in_transaction(work)
    details = {"type": type, "name": name}
    await audit.record(account.id, actor, "channel.created", f"channel:{channel.id}", ip, details)
    info = hub.channel_info(channel)
    connector = hub.registry.get(type)
    # The caller gets the channel as the pipeline sees it (secrets open, in memory only).
    return hub.opened(channel), {"webhook_url": info.webhook_url, **connector.describe(info)}


async def check_base_url(config: dict[str, Any]) -> None:
    """A connector's ``api_base_url`` is account-supplied: it may not point inside."""
    url = config.get("api_base_url")
    if url:
        try:
            await outbound.check_url_async(str(url))
        except outbound.OutboundRefused as exc:
            raise InvalidInput(
                "outbound_refused", f"api_base_url: {exc.message}", field="api_base_url"
            ) from None


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


# --------------------------------------------------------------------------- API keys


async def create_key(
    account: Account, name: str = "default", actor: Actor = audit.SYSTEM, ip: str | None = None
) -> tuple[str, str]:
    assert account.id is not None
    name = name.strip() or "default"
    if len(name) > 80:
        raise InvalidInput("invalid_name", "a key name has at most 80 characters")
    record, key = await create_api_key(account.id, name)
    details = {"name": name, "prefix": record.prefix}
    await audit.record(account.id, actor, "apikey.created", f"apikey:{record.id}", ip, details)
    return str(record.id), key


async def list_keys(account_id: PydanticObjectId) -> list[ApiKey]:
    return await ApiKey.find(ApiKey.account_id == account_id).sort("created_at").to_list()


async def revoke_key(
    account: Account, key_id: str, actor: Actor = audit.SYSTEM, ip: str | None = None
) -> ApiKey:
    """Revoke a key of this account; it answers 401 from the next request on."""
    assert account.id is not None
    key = await ApiKey.find_one(
        ApiKey.id == object_id(key_id, "API key"), ApiKey.account_id == account.id
    )
    if key is None:
        raise NotFound(f"no API key {key_id} in this account")
    if not key.revoked:
        await ApiKey.get_pymongo_collection().update_one(
            {"_id": key.id, "account_id": account.id}, {"$set": {"revoked": True}}
        )
        key.revoked = True
        details = {"name": key.name, "prefix": key.prefix}
        await audit.record(account.id, actor, "apikey.revoked", f"apikey:{key.id}", ip, details)
    return key
