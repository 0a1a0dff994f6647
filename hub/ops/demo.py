"""The demo account ``parley serve --demo`` creates once: users, a team, a web chat channel, a key.

What a new user needs to continue (the account id and an API key) is kept in
``<data dir>/demo.json`` and printed at every start, so the README's walkthrough
runs in the demo account and its traffic shows in the demo inbox.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hub.models import Account, Channel, Team
from hub.ops.cli import open_hub
from hub.settings import Settings
from hub.tenants import accounts

DEMO_SLUG = "demo"
DEMO_PASSWORD = "parley-demo"
DEMO_USERS = [
    ("admin@demo.parley.test", "admin", "Ada Admin"),
    ("supervisor@demo.parley.test", "supervisor", "Sam Supervisor"),
    ("agent@demo.parley.test", "agent", "Alex Agent"),
]
DEMO_TEAMS = ["Support", "Billing"]


def demo_file(settings: Settings) -> Path:
    return settings.data_dir / "demo.json"


async def ensure_demo(settings: Settings) -> str:
    """Create the demo account if it does not exist; returns how to sign in and go on."""
    async with open_hub(settings) as hub:
        account = await Account.find_one(Account.slug == DEMO_SLUG)
        if account is None:
            account = await accounts.create_account(
                "Demo Shop", "PRO", 5, ["generic_api", "chatbot_api"], slug=DEMO_SLUG
            )
            for email, role, name in DEMO_USERS:
                await accounts.create_user(account, email, DEMO_PASSWORD, role, name)
            for team in DEMO_TEAMS:
                await Team(account_id=account.id, name=team).insert()  # type: ignore[arg-type]
            if "webchat" in hub.registry.types():
                await accounts.create_channel(
                    hub,
                    account,
                    "webchat",
                    "Demo web chat",
                    {"allowed_origins": [settings.public_url], "prechat_fields": []},
                )
        saved = _read(settings)
        if saved.get("account_id") != str(account.id):
            _, key = await accounts.create_key(account, "demo")
            saved = {"account_id": str(account.id), "api_key": key}
            _write(settings, saved)
        has_chat = await Channel.find_one(
            Channel.account_id == account.id, Channel.type == "webchat"
        )
    users = ", ".join(email for email, _, _ in DEMO_USERS[1:])
    lines = [
        "Parley demo account ready.",
        f"  Inbox:    {settings.public_url}/inbox",
        f"  Sign in:  {DEMO_USERS[0][0]} / {DEMO_PASSWORD}  (same password: {users})",
        f"  Account:  {saved['account_id']}",
        f"  API key:  {saved['api_key']}  (kept in {demo_file(settings)})",
    ]
    if has_chat is not None:
        lines.append(f"  Chat as a customer: {settings.public_url}/widget/demo")
    return "\n".join(lines)


def _read(settings: Settings) -> dict[str, Any]:
    try:
        found = json.loads(demo_file(settings).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write(settings: Settings, saved: dict[str, Any]) -> None:
    path = demo_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(saved, out)
