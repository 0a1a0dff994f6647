"""Account administration: accounts, users, channels and keys, with the plan rules applied.

The CLI, the admin pages and the API all call these, so a seat or add-on rule is
enforced the same way everywhere and every charge lands on the usage ledger.
"""

from __future__ import annotations

from typing import Any

from beanie import PydanticObjectId
from bson.errors import InvalidId
from pydantic import ValidationError
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from hub.models import Account, AuditEvent, Channel, UsageEvent, User
from hub.pipeline import outbound
from hub.pipeline.registry import UnknownConnector
from hub.pipeline.services import Hub
from hub.tenants import plans
from hub.tenants.auth import create_api_key, hash_password


class AdminError(Exception):
    """A refused admin action. ``code``/``status`` are the public answer."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


async def get_account(account_id: str | PydanticObjectId) -> Account:
    try:
        oid = PydanticObjectId(account_id)
    except (InvalidId, TypeError, ValueError):
        raise AdminError("not_found", f"no account {account_id}", 404) from None
    account = await Account.get(oid)
    if account is None:
        raise AdminError("not_found", f"no account {account_id}", 404)
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
        raise AdminError("invalid_role", "role must be agent, supervisor or admin")
    if len(password) < 8:
        raise AdminError("weak_password", "a password needs at least 8 characters")
    user = User(
        account_id=account.id,
        email=email.strip().lower(),
        name=name or email.split("@")[0],
        password_hash=hash_password(password),
        role=role,  # type: ignore[arg-type]
    )
    try:
        await _take_seat(account, user)
    except DuplicateKeyError:
        raise AdminError("email_taken", f"a user with {email} exists already", 409) from None
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

    The connector's secret fields are stored sealed (``hub.pipeline.channel_secrets``).
    Returns the channel, its secrets opened in memory (never save it), and the
    extra fields to show once (webhook URL, embed, secrets).
    """
    assert account.id is not None
    try:
        connector = hub.registry.get(type)
    except UnknownConnector as exc:
        raise AdminError(
            "unknown_channel_type", f"{exc}; installed: {hub.registry.types()}"
        ) from None
    try:
        validated = connector.validate_config(config)
    except ValidationError as exc:  # its text would quote the input, secrets included
        raise AdminError("invalid_config", _without_input(exc)) from None
    except ValueError as exc:
        raise AdminError("invalid_config", str(exc)) from None
    await _check_base_url(validated)
    stored = hub.sealed_config(type, validated)
    channel = Channel(account_id=account.id, type=type, name=name, config=stored)
    await channel.insert()
    await UsageEvent(
        account_id=account.id,
        kind="channel_activation",
        unit_price_eur=plans.CHANNEL_ACTIVATION_FEE_EUR,
        details={"channel_id": str(channel.id), "type": type},
    ).insert()
    await audit(account.id, "system", "channel.created", str(channel.id), {"type": type})
    info = hub.channel_info(channel)
    return hub.opened(channel), {"webhook_url": info.webhook_url, **connector.describe(info)}


def _without_input(exc: ValidationError) -> str:
    """Where and what is wrong in a config, without the values given."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False)[:5]:
        where = ".".join(str(p) for p in error["loc"]) or "config"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


async def _check_base_url(config: dict[str, Any]) -> None:
    """A connector's ``api_base_url`` is account-supplied: it may not point inside."""
    url = config.get("api_base_url")
    if url:
        try:
            await outbound.check_url_async(str(url))
        except outbound.OutboundRefused as exc:
            raise AdminError("outbound_refused", f"api_base_url: {exc.message}") from None


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
