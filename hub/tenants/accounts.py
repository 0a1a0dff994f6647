"""Account administration: accounts, their subscription and their settings.

The CLI, the admin pages and the API all call these, so a seat or add-on rule is
enforced the same way everywhere, every charge lands on the usage ledger and every
change is an audit event with its real actor. A change and its ledger events are
written in one transaction (``hub.store.accounts``): a refused or failed change
leaves nothing behind.

Users (``hub.tenants.users``), channels (``hub.tenants.channels``) and API keys
(``hub.tenants.keys``) are made by their own modules; their makers are named here too,
where every caller has always found them.
"""

from __future__ import annotations

from beanie import PydanticObjectId

from hub.errors import HubError, InvalidInput, NotFound
from hub.models import Account, Actor, UsageEvent
from hub.store import accounts as store
from hub.store import users as user_store
from hub.store.accounts import SettingsChange, Subscription
from hub.store.ids import try_id
from hub.tenants import audit, charges, plans
from hub.tenants.channels import channel_changed, check_base_url, create_channel, validate_config
from hub.tenants.keys import create_key, list_keys, revoke_key
from hub.tenants.users import check_password, check_role, create_user, take_seat

__all__ = [
    "AdminError",
    "channel_changed",
    "check_base_url",
    "check_password",
    "check_role",
    "create_account",
    "create_channel",
    "create_key",
    "create_user",
    "get_account",
    "list_accounts",
    "list_keys",
    "revoke_key",
    "seats_used",
    "take_seat",
    "update_settings",
    "update_subscription",
    "validate_config",
]

#: Every refusal of these functions is a typed ``hub.errors`` error (``NotFound``,
#: ``InvalidInput``, ``Conflict``, ``Gone``, the plan errors); the old name catches them all.
AdminError = HubError
#: The settings ``update_settings`` stores.
SETTINGS = frozenset(SettingsChange.__annotations__)


async def get_account(account_id: str | PydanticObjectId) -> Account:
    """The account with this id (a string from the CLI or a URL is parsed here)."""
    parsed = try_id(account_id)
    account = None if parsed is None else await store.get_account(parsed)
    if account is None:
        raise NotFound(f"no account {account_id}")
    return account


async def list_accounts() -> list[Account]:
    """Every account (the operator's view), oldest first."""
    return await store.all_accounts()


async def seats_used(account_id: PydanticObjectId) -> int:
    """Active users holding a seat (dashboard users hold none)."""
    return await user_store.count_seats_used(account_id)


def _api_activation(account_id: PydanticObjectId) -> UsageEvent:
    return charges.one_off(
        account_id, "api_activation", plans.API_ACTIVATION_FEE_EUR, {"addon": "generic_api"}
    )


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
    account_id = PydanticObjectId()
    account = Account(
        id=account_id, name=name, plan=plan.upper(), seats=seats, addons=addons, slug=slug
    )
    events = [
        charges.one_off(account_id, "account_activation", plans.ACCOUNT_ACTIVATION_FEE_EUR, {}),
        charges.snapshot(account),
    ]
    if plans.API_ACTIVATION_ADDON in addons:
        events.append(_api_activation(account_id))
    await store.insert_account(account, events)
    details = {"name": name, "plan": account.plan, "seats": seats, "addons": addons}
    await audit.record(account_id, actor, "account.created", f"account:{account_id}", ip, details)
    return account


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
    before = Subscription(plan=account.plan, seats=account.seats, addons=sorted(account.addons))
    after = Subscription(plan=new_plan, seats=new_seats, addons=new_addons)
    if before == after:
        return account

    def check(used: int) -> None:
        plans.check_change(new_plan, new_seats, new_addons, used, removed)

    changed = account.model_copy(update=dict(after))
    first_api = plans.API_ACTIVATION_ADDON in new_addons
    await store.change_subscription(
        account.id,
        after,
        check,
        charges.snapshot(changed),
        _api_activation(account.id) if first_api else None,
    )
    details = {"before": before, "after": after}
    await audit.record(account.id, actor, "account.subscription_changed",
                       f"account:{account.id}", ip, details)  # fmt: skip
    return await get_account(account.id)


async def update_settings(
    account: Account, changes: SettingsChange, actor: Actor = audit.SYSTEM, ip: str | None = None
) -> Account:
    """Store already validated settings (time zone, hours, CRM link, …) and audit them."""
    assert account.id is not None
    unknown = set(changes) - SETTINGS
    if unknown:
        raise InvalidInput(
            "invalid_request", f"not an account setting: {', '.join(sorted(unknown))}"
        )
    if changes:
        await store.set_settings(account.id, changes)
        await audit.record(account.id, actor, "account.settings_changed",
                           f"account:{account.id}", ip, changes)  # fmt: skip
    return await get_account(account.id)
