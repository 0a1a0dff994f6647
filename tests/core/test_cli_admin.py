"""The operator's rows of DESIGN.md's command table, through the installed ``parley`` command.

Run against the test database (``PARLEY_MONGODB_URI``); the lifecycle test in
test_cli.py shows the same commands on the embedded database with and without
``parley serve``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import httpx

from hub.models import AuditEvent
from hub.pipeline.services import Hub
from hub.settings import Settings
from tests.core.test_plans import parley, refused


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


async def test_operator_rows(settings: Settings, hub: Hub, client: httpx.AsyncClient) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return parley(settings, *args)

    async def arun(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(run, *args)

    account = ok(
        await arun("account", "create", "--name", "Shop", "--plan", "HUB", "--seats", "3")
    )["id"]
    users = [
        ok(await arun("user", "create", "--account", account, "--email", f"u{n}@shop.test",
                      "--password", "password1", "--role", role))["id"]
        for n, role in enumerate(["admin", "agent", "agent", "dashboard"])
    ]  # fmt: skip
    shown = ok(await arun("account", "show", "--account", account))
    assert (shown["plan"], shown["seats"], shown["seats_used"], shown["addons"]) == (
        "HUB",
        3,
        3,
        [],
    )
    listed = ok(await arun("account", "list"))["data"]
    assert [a["id"] for a in listed] == [account]

    # Plan rules: below the seat users, chatbot without generic, removing generic under chatbot.
    refused(await arun("account", "update", "--account", account, "--seats", "2"), "seat_limit")
    refused(await arun("account", "update", "--account", account, "--addon", "chatbot_api"),
            "addon_required")  # fmt: skip
    updated = ok(await arun("account", "update", "--account", account, "--plan", "PRO",
                            "--seats", "4", "--addon", "generic_api", "--addon", "chatbot_api"))  # fmt: skip
    assert (updated["plan"], updated["seats"], updated["addons"]) == (
        "PRO",
        4,
        ["chatbot_api", "generic_api"],
    )
    removing = await arun(
        "account", "update", "--account", account, "--remove-addon", "generic_api"
    )
    refused(removing, "addon_required")
    assert "chatbot_api" in removing.stderr
    assert ok(await arun("account", "show", "--account", account))["addons"] == [
        "chatbot_api",
        "generic_api",
    ]

    # Users: deactivate frees a seat; reactivating over the limit is refused.
    assert (
        ok(await arun("user", "update", "--user", users[1], "--active", "false"))["active"] is False
    )
    ok(await arun("user", "create", "--account", account, "--email", "u4@shop.test",
                  "--password", "password1", "--role", "agent"))  # fmt: skip
    ok(await arun("user", "create", "--account", account, "--email", "u5@shop.test",
                  "--password", "password1", "--role", "supervisor"))  # fmt: skip
    refused(await arun("user", "update", "--user", users[1], "--active", "true"), "seat_limit")
    # A dashboard user holds no seat; made an agent it needs one, and none is free.
    refused(await arun("user", "update", "--user", users[3], "--role", "agent"), "seat_limit")
    changed = ok(await arun("user", "update", "--user", users[3], "--password", "new password"))
    assert changed["role"] == "dashboard" and "password" not in json.dumps(changed)

    # API keys: listed without secrets, revoked at once.
    created = ok(await arun("apikey", "create", "--account", account, "--name", "shop"))
    keys = ok(await arun("apikey", "list", "--account", account))["data"]
    assert [k["id"] for k in keys] == [created["id"]] and created["key"] not in json.dumps(keys)
    auth = {"Authorization": f"Bearer {created['key']}"}
    assert (await client.get("/api/v1/channels", headers=auth)).status_code == 200
    revoked = ok(await arun("apikey", "revoke", "--account", account, "--key-id", created["id"]))
    assert revoked["revoked"] is True
    assert (await client.get("/api/v1/channels", headers=auth)).status_code == 401

    # Usage: JSON and CSV of the same lines.
    month = ok(await arun("account", "show", "--account", account))["created_at"][:7]
    usage = ok(await arun("usage", "--account", account, "--month", month))
    assert set(usage) == {"account_id", "month", "lines", "total_eur"}
    assert {"Account activation", "API activation"} <= {line["item"] for line in usage["lines"]}
    assert all(
        set(line) == {"item", "quantity", "unit_price_eur", "amount_eur"} for line in usage["lines"]
    )
    csv_out = await arun("usage", "--account", account, "--month", month, "--csv")
    assert csv_out.returncode == 0 and csv_out.stdout.startswith(
        "item,quantity,unit_price_eur,amount_eur"
    )
    assert f"total,,,{usage['total_eur']:.2f}" in csv_out.stdout
    refused(await arun("usage", "--account", account, "--month", "May"), "invalid_month")
    refused(await arun("account", "show", "--account", "nope"), "not_found")

    # Every change is audited with the operator as its actor.
    events = await AuditEvent.find({"action": "account.subscription_changed"}).to_list()
    assert len(events) == 1 and events[0].actor.type == "operator"
    assert events[0].details["after"]["plan"] == "PRO"
