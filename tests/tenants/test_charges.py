"""A month's statement from the ledger, with every line worked out by hand.

March 2026 has 31 days. Seats and add-ons are prorated by day: ``d`` days of a seat
cost ``price × d / 31`` (to the cent) per seat.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hub.pipeline.services import Hub
from hub.tenants import accounts, charges, plans
from tests.conftest import Clock


def _at(day: int, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, 11, 30, tzinfo=dt.UTC)


async def test_month_with_every_kind_of_change(hub: Hub, clock: Clock) -> None:
    clock.set(_at(5))  # created mid-month on HUB with the 3-seat minimum
    account = await accounts.create_account("Shop", "HUB", 3)
    await accounts.create_channel(hub, account, "test", "SMS line", {})
    clock.set(_at(10))
    account = await accounts.update_subscription(account, seats=5)
    clock.set(_at(12))
    await accounts.create_channel(hub, account, "test", "Chat", {})
    clock.set(_at(20))
    account = await accounts.update_subscription(account, plan="PRO")
    clock.set(_at(25))
    account = await accounts.update_subscription(account, add=["generic_api"])

    got = (await charges.statement(account.id, "2026-03")).as_dict()  # type: ignore[arg-type]
    assert got["account_id"] == str(account.id) and got["month"] == "2026-03"
    assert got["lines"] == [
        # 5-9 March, 5 days: 15 × 5/31 = 2.419… → 2.42 a seat, × 3
        {"item": "HUB seats, 2026-03-05 to 2026-03-09 (5/31 days)", "quantity": 3,
         "unit_price_eur": 2.42, "amount_eur": 7.26},
        # 10-19 March, 10 days: 15 × 10/31 = 4.838… → 4.84, × 5
        {"item": "HUB seats, 2026-03-10 to 2026-03-19 (10/31 days)", "quantity": 5,
         "unit_price_eur": 4.84, "amount_eur": 24.20},
        # 20-31 March, 12 days: 30 × 12/31 = 11.612… → 11.61, × 5
        {"item": "PRO seats, 2026-03-20 to 2026-03-31 (12/31 days)", "quantity": 5,
         "unit_price_eur": 11.61, "amount_eur": 58.05},
        # 25-31 March, 7 days: 50 × 7/31 = 11.290… → 11.29
        {"item": "generic_api add-on, 2026-03-25 to 2026-03-31 (7/31 days)", "quantity": 1,
         "unit_price_eur": 11.29, "amount_eur": 11.29},
        {"item": "Account activation", "quantity": 1, "unit_price_eur": 250.0, "amount_eur": 250.0},
        {"item": "Channel activation: SMS line (test)", "quantity": 1, "unit_price_eur": 250.0,
         "amount_eur": 250.0},
        {"item": "Channel activation: Chat (test)", "quantity": 1, "unit_price_eur": 250.0,
         "amount_eur": 250.0},
        {"item": "API activation", "quantity": 1, "unit_price_eur": 500.0, "amount_eur": 500.0},
    ]  # fmt: skip
    # 7.26 + 24.20 + 58.05 + 11.29 + 250 + 250 + 250 + 500
    assert got["total_eur"] == 1350.80

    # April: the whole month at the state in force, no one-off charges.
    april = (await charges.statement(account.id, "2026-04")).as_dict()  # type: ignore[arg-type]
    assert april["lines"] == [
        {"item": "PRO seats, 2026-04-01 to 2026-04-30 (30/30 days)", "quantity": 5,
         "unit_price_eur": 30.0, "amount_eur": 150.0},
        {"item": "generic_api add-on, 2026-04-01 to 2026-04-30 (30/30 days)", "quantity": 1,
         "unit_price_eur": 50.0, "amount_eur": 50.0},
    ]  # fmt: skip
    assert april["total_eur"] == 200.0
    # Before the account existed: nothing.
    assert (await charges.statement(account.id, "2026-02")).as_dict()["lines"] == []  # type: ignore[arg-type]


async def test_api_activation_only_once(hub: Hub, clock: Clock) -> None:
    clock.set(_at(2))
    account = await accounts.create_account("Shop", "HUB", 3, ["generic_api"])
    clock.set(_at(3))
    account = await accounts.update_subscription(account, remove=["generic_api"])
    clock.set(_at(4))
    account = await accounts.update_subscription(account, add=["generic_api"])
    got = (await charges.statement(account.id, "2026-03")).as_dict()  # type: ignore[arg-type]
    items = [line["item"] for line in got["lines"]]
    assert items.count("API activation") == 1
    # generic_api on 2 March and again from 4 March: 50 × 1/31 = 1.61; 50 × 28/31 = 45.16
    addon = [line for line in got["lines"] if "add-on" in line["item"]]
    assert [line["amount_eur"] for line in addon] == [1.61, 45.16]


async def test_quote_shows_the_cost_before_the_change(hub: Hub, clock: Clock) -> None:
    clock.set(_at(1))
    account = await accounts.create_account("Shop", "HUB", 3)
    clock.set(_at(22))  # 22-31 March: 10 days left
    quote = await charges.quote(account, "HUB", 5, ["generic_api"])
    # 5 seats × 15 × 10/31 (4.84) = 24.20, less 3 × 4.84 = 14.52 → +9.68; add-on 50 × 10/31 = 16.13
    assert quote.this_month_eur == pytest.approx(9.68 + 16.13)
    assert quote.one_off_eur == plans.API_ACTIVATION_FEE_EUR
    assert (quote.monthly_before_eur, quote.monthly_after_eur) == (45.0, 125.0)
    # Nothing was stored by asking.
    assert (await accounts.get_account(account.id)).seats == 3  # type: ignore[arg-type]


async def test_bad_month(hub: Hub) -> None:
    with pytest.raises(charges.BadMonth):
        charges.month_bounds("2026-13")
    assert charges.month_bounds("2026-12")[1] == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
