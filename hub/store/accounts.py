"""Accounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypedDict, cast

from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from hub.contract import JsonObject
from hub.errors import Conflict
from hub.models import Account, UsageEvent, User
from hub.models.account import Csat
from hub.store import usage
from hub.store.transactions import Session, in_transaction
from hub.store.users import UserFields, count_seats_used, set_fields

# ---- added by views


class SurveyHeading(NamedTuple):
    """What a survey page shows of the account: its name and its survey settings."""

    name: str
    csat: Csat | None


async def survey_heading(account_id: PydanticObjectId) -> SurveyHeading:
    """The account's name and survey settings (a projected ``_id`` look-up); empty when
    the account is gone."""
    found = await Account.get_pymongo_collection().find_one(
        {"_id": account_id}, {"name": 1, "csat": 1}
    )
    stored = (found or {}).get("csat")
    return SurveyHeading(
        name=(found or {}).get("name", ""), csat=Csat.model_validate(stored) if stored else None
    )


async def set_wallboard_thresholds(account_id: PydanticObjectId, values: dict[str, int]) -> None:
    """The wallboard's colour thresholds (checked by the caller)."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": {"wallboard_thresholds": values}}
    )


# ---- added by widget


# ---- added by routing


async def get_account(account_id: PydanticObjectId) -> Account | None:
    return await Account.get(account_id)


async def account_by_slug_all_accounts(slug: str) -> Account | None:
    """The account with this slug (``demo``). Spans accounts by nature: the slug names one."""
    return await Account.find_one(Account.slug == slug)


# ---- added by rules
async def list_accounts_all_accounts() -> list[Account]:
    """Every account (the centre's tick runs for each; work that spans accounts by nature)."""
    return await Account.find_all().to_list()


# ---- added by api


async def find_account(account_id: PydanticObjectId) -> Account | None:
    """The account with that id, or None (it was deleted)."""
    return await Account.get(account_id)


__all__ = [
    "SettingsChange",
    "Subscription",
    "all_accounts",
    "change_subscription",
    "get_account",
    "insert_account",
    "save_user_with_seat",
    "set_settings",
]


class Subscription(TypedDict):
    plan: str
    seats: int
    addons: list[str]


class SettingsChange(TypedDict, total=False):
    """An account's settings as stored (``hub.tenants.account_settings.AccountPatch.changes``)."""

    name: str
    timezone: str
    business_hours: dict[str, list[list[str]]] | None
    holidays: list[str]
    crm_url_template: str | None
    number_lookup: JsonObject | None
    retention: JsonObject
    csat: JsonObject | None


async def all_accounts() -> list[Account]:
    """Every account, oldest first: the operator's view and the daily purge span accounts."""
    return await Account.find_all().sort("created_at").to_list()


async def insert_account(account: Account, charges: list[UsageEvent]) -> None:
    """Store a new account (its id set by the caller) and its first charges in one transaction."""

    async def work(session: Session) -> None:
        await account.insert(session=session)
        await usage.insert_events(charges, session)

    await in_transaction(work)


async def set_settings(account_id: PydanticObjectId, changes: SettingsChange) -> None:
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$set": cast(dict[str, Any], changes)}
    )


async def _bump_seat_version(account_id: PydanticObjectId, session: Session) -> None:
    """Every seat decision writes this first, so two racing ones conflict and one retries."""
    await Account.get_pymongo_collection().update_one(
        {"_id": account_id}, {"$inc": {"seat_version": 1}}, session=session
    )


async def change_subscription(
    account_id: PydanticObjectId,
    after: Subscription,
    check: Callable[[int], None],
    snapshot: UsageEvent,
    api_activation: UsageEvent | None,
) -> None:
    """Set plan, seats and add-ons in one transaction with the ledger's snapshot.

    ``check(seats_used)`` refuses the change (raising) against the current seat count;
    ``api_activation`` is charged only if the account never was.
    """

    async def work(session: Session) -> None:
        await _bump_seat_version(account_id, session)
        check(await count_seats_used(account_id, session))
        await Account.get_pymongo_collection().update_one(
            {"_id": account_id}, {"$set": cast(dict[str, Any], after)}, session=session
        )
        await snapshot.insert(session=session)
        if api_activation is not None and not await usage.api_activated(account_id, session):
            await api_activation.insert(session=session)

    await in_transaction(work)


async def save_user_with_seat(
    account_id: PydanticObjectId,
    user: User,
    check: Callable[[int | None, int], None] | None,
    changes: UserFields | None = None,
) -> None:
    """Insert ``user`` (``changes`` None) or ``$set`` its ``changes``, under the seat rule.

    ``check(seats, seats_used)`` (None when the user needs no seat) refuses it, raising,
    against the account's seats as stored now (None: the account is gone) and the count.
    A new user whose email exists already is a ``Conflict`` (``email_taken``).
    """

    async def attempt(session: Session) -> None:
        await _bump_seat_version(account_id, session)
        fresh = await Account.get_pymongo_collection().find_one(
            {"_id": account_id}, session=session
        )
        if check is not None:
            limit = int(fresh["seats"]) if fresh else None
            check(limit, await count_seats_used(account_id, session))
        if changes is None:
            await user.insert(session=session)
        else:
            assert user.id is not None
            await set_fields(account_id, user.id, changes, session)

    try:
        await in_transaction(attempt)
    except DuplicateKeyError:
        raise Conflict("email_taken", f"a user with {user.email} exists already") from None
