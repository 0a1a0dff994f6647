"""Plans, seats and add-ons: DESIGN.md's plan table as data, and its rules in one place.

Every check raises a typed ``hub.errors.PlanError`` (``SeatLimit``, ``PlanRequired``,
``AddonRequired``, ``UnknownPlan``); the CLI, the API and the pages each map them to
their answers in one place, so the rules are never restated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import AddonRequired, PlanError, PlanRequired, SeatLimit, UnknownPlan

__all__ = ["AddonRequired", "PlanError", "PlanRequired", "SeatLimit", "UnknownPlan"]


@dataclass(frozen=True)
class Plan:
    name: str
    seat_price_eur: float
    min_seats: int
    sla: bool


@dataclass(frozen=True)
class Addon:
    name: str
    price_eur: float
    requires: tuple[str, ...] = ()


PLANS: dict[str, Plan] = {
    "HUB": Plan("HUB", seat_price_eur=15.0, min_seats=3, sla=False),
    "PRO": Plan("PRO", seat_price_eur=30.0, min_seats=3, sla=True),
}

ADDONS: dict[str, Addon] = {
    "generic_api": Addon("generic_api", price_eur=50.0),
    "chatbot_api": Addon("chatbot_api", price_eur=50.0, requires=("generic_api",)),
}

#: Recorded on the usage ledger when a channel is activated on an account.
CHANNEL_ACTIVATION_FEE_EUR = 25.0


def plan(name: str) -> Plan:
    try:
        return PLANS[name.upper()]
    except KeyError:
        raise UnknownPlan(f"unknown plan {name!r}; choose one of {', '.join(PLANS)}") from None


def check_subscription(plan_name: str, seats: int, addons: list[str]) -> None:
    """Refuse a plan, seat count and add-on set that the table does not allow."""
    chosen = plan(plan_name)
    if seats < chosen.min_seats:
        raise SeatLimit(f"the {chosen.name} plan needs at least {chosen.min_seats} seats")
    for name in addons:
        addon = ADDONS.get(name)
        if addon is None:
            raise AddonRequired(f"unknown add-on {name!r}; choose from {', '.join(ADDONS)}")
        missing = [r for r in addon.requires if r not in addons]
        if missing:
            raise AddonRequired(f"the {name} add-on needs the {', '.join(missing)} add-on")


def check_seat_available(seats: int, seats_used: int) -> None:
    """Refuse one more active user when every paid seat is taken."""
    if seats_used >= seats:
        raise SeatLimit(f"all {seats} seats are taken; buy more seats or deactivate a user")


def require_addon(addons: list[str], name: str) -> None:
    """Refuse a feature of add-on ``name`` (and of the add-ons it needs) when not bought."""
    for needed in (*ADDONS[name].requires, name):
        if needed not in addons:
            raise AddonRequired(f"this needs the {needed} add-on")


def require_sla(plan_name: str) -> None:
    """Refuse an SLA feature on a plan without it."""
    if not plan(plan_name).sla:
        raise PlanRequired("SLA features need the PRO plan")
