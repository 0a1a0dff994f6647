"""Seats, the 3-seat minimum and the add-on rule refuse with the documented codes.

The same rules answer through the API (``/api/v1/users``) and through the real
``parley`` console script, run as a subprocess on the test database.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from hub.models import Account, User
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts, plans
from hub.web.answers import status_of
from tests.conftest import Tenant

PARLEY = str(Path(sys.executable).with_name("parley"))


async def test_api_seat_limit(client: httpx.AsyncClient, tenant: Tenant) -> None:
    """Three seats: three users, then 402 seat_limit and nothing stored."""
    for i in range(3):
        r = await client.post(
            "/api/v1/users",
            json={"email": f"agent{i}@acme.test", "password": "password1", "name": f"A{i}"},
            headers=tenant.auth,
        )
        assert r.status_code == 201, r.text
        assert r.json()["role"] == "agent" and "password" not in json.dumps(r.json())
    r = await client.post(
        "/api/v1/users",
        json={"email": "fourth@acme.test", "password": "password1"},
        headers=tenant.auth,
    )
    assert r.status_code == 402
    assert r.json()["error"]["code"] == "seat_limit"
    assert await User.find(User.account_id == tenant.account.id).count() == 3
    listed = (await client.get("/api/v1/users", headers=tenant.auth)).json()["data"]
    assert sorted(u["email"] for u in listed) == [f"agent{i}@acme.test" for i in range(3)]


async def test_api_user_input_errors(client: httpx.AsyncClient, tenant: Tenant) -> None:
    good = {"email": "bo@acme.test", "password": "password1"}
    assert (await client.post("/api/v1/users", json=good, headers=tenant.auth)).status_code == 201
    r = await client.post("/api/v1/users", json=good, headers=tenant.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "email_taken")
    for bad in (
        {"email": "cy@acme.test", "password": "short"},
        {"email": "not an email", "password": "password1"},
        {**good, "email": "di@acme.test", "role": "admin"},
        {**good, "email": "ed@acme.test", "extra": 1},
    ):
        r = await client.post("/api/v1/users", json=bad, headers=tenant.auth)
        assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_request"), bad
    r = await client.post("/api/v1/users", content=b"{oops", headers=tenant.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "malformed_json")
    assert await User.find(User.account_id == tenant.account.id).count() == 1


def test_plan_rules_as_data() -> None:
    with pytest.raises(plans.SeatLimit) as seats:
        plans.check_subscription("PRO", 2, [])
    assert (status_of(seats.value), seats.value.code) == (402, "seat_limit")
    with pytest.raises(plans.AddonRequired) as addon:
        plans.check_subscription("HUB", 3, ["chatbot_api"])
    assert (status_of(addon.value), addon.value.code) == (403, "addon_required")
    with pytest.raises(plans.AddonRequired):
        plans.require_addon(["chatbot_api"], "chatbot_api")  # needs generic_api too
    with pytest.raises(plans.PlanRequired) as sla:
        plans.require_sla("HUB")
    assert (status_of(sla.value), sla.value.code) == (402, "plan_required")
    plans.check_subscription("hub", 3, ["generic_api", "chatbot_api"])
    plans.require_sla("PRO")


def parley(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``parley`` command against the test database."""
    env = {
        **os.environ,
        "PARLEY_DATA_DIR": str(settings.data_dir),
        "PARLEY_MONGODB_URI": settings.mongodb_uri or "",
        "PARLEY_DATABASE": settings.database,
        "PARLEY_SECRET_KEY": "cli-test",
    }
    return subprocess.run(
        [PARLEY, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def refused(result: subprocess.CompletedProcess[str], code: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f": {code}: " in lines[0], result.stderr


async def test_cli_refusals(settings: Settings, hub: Hub) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return parley(settings, *args)

    create = ["account", "create", "--name", "Shop", "--plan", "HUB"]
    results = await asyncio.gather(
        asyncio.to_thread(run, *create, "--seats", "2"),
        asyncio.to_thread(run, *create, "--seats", "3", "--addon", "chatbot_api"),
        asyncio.to_thread(run, *create, "--seats", "3", "--addon", "generic_api"),
    )
    refused(results[0], "seat_limit")
    refused(results[1], "addon_required")
    assert results[2].returncode == 0, results[2].stderr
    account_id = json.loads(results[2].stdout)["id"]
    assert [str(a.id) for a in await Account.find_all().to_list()] == [account_id]

    account = await accounts.get_account(account_id)
    for n in range(3):
        await accounts.create_user(account, f"u{n}@shop.test", "password1", "agent")
    over = await asyncio.to_thread(
        run, "user", "create", "--account", account_id, "--email", "u3@shop.test",
        "--password", "password1", "--role", "agent",
    )  # fmt: skip
    refused(over, "seat_limit")
    assert await User.find(User.account_id == account.id).count() == 3


async def test_api_seats_hold_under_concurrent_requests(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    """Eight racing sign-ups for three seats: three succeed, five get seat_limit."""
    results = await asyncio.gather(
        *[
            client.post(
                "/api/v1/users",
                json={"email": f"r{i}@acme.test", "password": "password1"},
                headers=tenant.auth,
            )
            for i in range(8)
        ]
    )
    assert sorted(r.status_code for r in results) == [201] * 3 + [402] * 5
    assert await User.find(User.account_id == tenant.account.id).count() == 3
