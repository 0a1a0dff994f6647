"""The usage ledger and a month's statement: the one place charges are computed.

The ledger (``usage_events``) holds one-off charges (account, channel and API
activation, priced when they happen) and ``subscription`` snapshots: the plan, seats
and add-ons in force from a moment on. A month's statement prices every day (UTC) of
the month at the snapshot in force that day (the last change of a day counts for the
whole day), so seats and add-ons are prorated by day: a segment of ``d`` days of an
``n``-day month costs ``price × d / n`` per seat or add-on, rounded to the cent.

``statement`` is used by ``/admin``, the API and ``parley usage``; ``quote`` shows what
a change would cost before it is made.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypedDict

from beanie import PydanticObjectId

from hub.contract import JsonObject, now
from hub.models import Account, UsageEvent
from hub.store import usage as store
from hub.tenants import plans

CENT = Decimal("0.01")
ONE_OFF_KINDS = ("account_activation", "channel_activation", "api_activation")


class BadMonth(ValueError):
    """A month that is not ``YYYY-MM``."""

    code = "invalid_month"


class LineJson(TypedDict):
    item: str
    quantity: int
    unit_price_eur: float
    amount_eur: float


class StatementJson(TypedDict):
    account_id: str
    month: str
    lines: list[LineJson]
    total_eur: float


@dataclass(frozen=True)
class Line:
    item: str
    quantity: int
    unit_price_eur: float
    amount_eur: float

    def as_dict(self) -> LineJson:
        return LineJson(
            item=self.item,
            quantity=self.quantity,
            unit_price_eur=self.unit_price_eur,
            amount_eur=self.amount_eur,
        )


@dataclass(frozen=True)
class Statement:
    account_id: PydanticObjectId
    month: str
    lines: list[Line]

    @property
    def total_eur(self) -> float:
        return float(sum((Decimal(str(line.amount_eur)) for line in self.lines), Decimal(0)))

    def as_dict(self) -> StatementJson:
        return StatementJson(
            account_id=str(self.account_id),
            month=self.month,
            lines=[line.as_dict() for line in self.lines],
            total_eur=self.total_eur,
        )

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["item", "quantity", "unit_price_eur", "amount_eur"])
        for line in self.lines:
            writer.writerow([line.item, line.quantity, f"{line.unit_price_eur:.2f}",
                             f"{line.amount_eur:.2f}"])  # fmt: skip
        writer.writerow(["total", "", "", f"{self.total_eur:.2f}"])
        return out.getvalue()


# --------------------------------------------------------------------------- months


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` as ``[first day 00:00 UTC, first day of the next month)``."""
    try:
        start = dt.datetime.strptime(month, "%Y-%m").replace(tzinfo=dt.UTC)
    except (ValueError, TypeError):
        raise BadMonth(f"month must be YYYY-MM, not {month!r}") from None
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def month_of(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m")


# --------------------------------------------------------------------------- writing


def snapshot(account: Account, at: dt.datetime | None = None) -> UsageEvent:
    """A ``subscription`` ledger event of the account's plan, seats and add-ons."""
    assert account.id is not None
    return UsageEvent(
        account_id=account.id,
        kind="subscription",
        at=at or now(),
        quantity=account.seats,
        details={"plan": account.plan, "seats": account.seats, "addons": sorted(account.addons)},
    )


def one_off(
    account_id: PydanticObjectId, kind: str, price: float, details: JsonObject
) -> UsageEvent:
    assert kind in ONE_OFF_KINDS
    return UsageEvent(account_id=account_id, kind=kind, unit_price_eur=price, details=details)


async def api_activated(account_id: PydanticObjectId) -> bool:
    """Whether the account was ever charged the API activation."""
    return await store.api_activated(account_id)


# --------------------------------------------------------------------------- reading


async def statement(account_id: PydanticObjectId, month: str) -> Statement:
    """The month's charges of one account, from the ledger (two small range reads)."""
    start, end = month_bounds(month)
    before = await store.subscription_before(account_id, start)
    during = await store.events_between(account_id, start, end)
    return compute(account_id, month, before, during)


def compute(
    account_id: PydanticObjectId,
    month: str,
    before: UsageEvent | None,
    during: Iterable[UsageEvent],
) -> Statement:
    """The statement of ``month`` from the snapshot in force at its start and its events."""
    start, end = month_bounds(month)
    events = sorted(during, key=lambda e: e.at)
    days = (end - start).days
    states: list[dict[str, Any] | None] = []
    current = before.details if before is not None else None
    subscriptions = [e for e in events if e.kind == "subscription"]
    for day in range(days):
        day_end = start + dt.timedelta(days=day + 1)
        while subscriptions and subscriptions[0].at < day_end:
            current = subscriptions.pop(0).details
        states.append(current)
    lines = [*_seat_lines(states, start, days), *_addon_lines(states, start, days)]
    lines += [_one_off_line(e) for e in events if e.kind in ONE_OFF_KINDS]
    return Statement(account_id, month, lines)


def _money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _prorated(item: str, quantity: int, price: float, first: int, last: int, start: dt.datetime,
              days: int) -> Line:  # fmt: skip
    span = last - first + 1
    unit = _money(Decimal(str(price)) * span / days)
    since = (start + dt.timedelta(days=first)).date().isoformat()
    until = (start + dt.timedelta(days=last)).date().isoformat()
    label = f"{item}, {since} to {until} ({span}/{days} days)"
    return Line(label, quantity, unit, _money(Decimal(str(unit)) * quantity))


def _runs(keys: list[Any]) -> list[tuple[Any, int, int]]:
    """Consecutive equal keys as ``(key, first index, last index)``; None keys are skipped."""
    runs: list[tuple[Any, int, int]] = []
    for index, key in enumerate(keys):
        if runs and runs[-1][0] == key and runs[-1][2] == index - 1:
            runs[-1] = (key, runs[-1][1], index)
        elif key is not None:
            runs.append((key, index, index))
    return runs


def _seat_lines(states: list[dict[str, Any] | None], start: dt.datetime, days: int) -> list[Line]:
    keys = [(s["plan"], s["seats"]) if s else None for s in states]
    lines = []
    for (plan_name, seats), first, last in _runs(keys):
        price = plans.plan(plan_name).seat_price_eur
        lines.append(_prorated(f"{plan_name} seats", seats, price, first, last, start, days))
    return lines


def _addon_lines(states: list[dict[str, Any] | None], start: dt.datetime, days: int) -> list[Line]:
    lines = []
    for name, addon in plans.ADDONS.items():
        keys = [name if s and name in s["addons"] else None for s in states]
        for _, first, last in _runs(keys):
            lines.append(_prorated(f"{name} add-on", 1, addon.price_eur, first, last, start, days))
    return lines


def _one_off_line(event: UsageEvent) -> Line:
    if event.kind == "channel_activation":
        name = event.details.get("name") or event.details.get("channel_id", "")
        item = f"Channel activation: {name} ({event.details.get('type', '')})"
    elif event.kind == "api_activation":
        item = "API activation"
    else:
        item = "Account activation"
    price = _money(Decimal(str(event.unit_price_eur)))
    return Line(item, event.quantity, price, _money(Decimal(str(price)) * event.quantity))


# --------------------------------------------------------------------------- quotes


@dataclass(frozen=True)
class Quote:
    """What a subscription change costs: this month (prorated from today) and from next month."""

    this_month_eur: float
    one_off_eur: float
    monthly_before_eur: float
    monthly_after_eur: float


def monthly_price(plan_name: str, seats: int, addons: Iterable[str]) -> float:
    price = Decimal(str(plans.plan(plan_name).seat_price_eur)) * seats
    price += sum((Decimal(str(plans.ADDONS[a].price_eur)) for a in addons), Decimal(0))
    return _money(price)


async def quote(account: Account, plan_name: str, seats: int, addons: list[str]) -> Quote:
    """The cost of changing ``account`` to this plan, seats and add-ons now."""
    assert account.id is not None
    at = now()
    month = month_of(at)
    start, end = month_bounds(month)
    before = await store.subscription_before(account.id, start)
    during = await store.events_between(account.id, start, end)
    current = compute(account.id, month, before, during)
    changed = account.model_copy(update={"plan": plan_name, "seats": seats, "addons": addons})
    extra = [snapshot(changed, at)]
    one_offs = 0.0
    first_api = (
        plans.API_ACTIVATION_ADDON in addons and plans.API_ACTIVATION_ADDON not in account.addons
    )
    if first_api and not await api_activated(account.id):
        one_offs = plans.API_ACTIVATION_FEE_EUR
    after = compute(account.id, month, before, [*during, *extra])
    return Quote(
        this_month_eur=_money(Decimal(str(after.total_eur)) - Decimal(str(current.total_eur))),
        one_off_eur=one_offs,
        monthly_before_eur=monthly_price(account.plan, account.seats, account.addons),
        monthly_after_eur=monthly_price(plan_name, seats, addons),
    )
