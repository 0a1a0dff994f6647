"""The demo account ``parley serve --demo`` creates once: users, a web chat channel, a key."""

from __future__ import annotations

from hub.models import Account, Channel
from hub.ops.connection import open_hub
from hub.settings import Settings
from hub.tenants import accounts

DEMO_SLUG = "demo"
DEMO_PASSWORD = "parley-demo"
DEMO_USERS = [
    ("admin@demo.parley.test", "admin", "Ada Admin"),
    ("supervisor@demo.parley.test", "supervisor", "Sam Supervisor"),
    ("agent@demo.parley.test", "agent", "Alex Agent"),
]


async def ensure_demo(settings: Settings) -> str:
    """Create the demo account if it does not exist; returns how to sign in."""
    async with open_hub(settings) as hub:
        account = await Account.find_one(Account.slug == DEMO_SLUG)
        if account is None:
            account = await accounts.create_account(
                "Demo Shop", "PRO", 5, ["generic_api", "chatbot_api"], slug=DEMO_SLUG
            )
            for email, role, name in DEMO_USERS:
                await accounts.create_user(account, email, DEMO_PASSWORD, role, name)
            if "webchat" in hub.registry.types():
                await accounts.create_channel(
                    hub,
                    account,
                    "webchat",
                    "Demo web chat",
                    {"allowed_origins": [settings.public_url], "prechat_fields": []},
                )
        has_chat = await Channel.find_one(
            Channel.account_id == account.id, Channel.type == "webchat"
        )
    lines = [
        "Parley demo account ready.",
        f"  Inbox:    {settings.public_url}/inbox",
        f"  Sign in:  {DEMO_USERS[0][0]} / {DEMO_PASSWORD} (also supervisor@…, agent@…)",
    ]
    if has_chat is not None:
        lines.append(f"  Chat as a customer: {settings.public_url}/widget/demo")
    return "\n".join(lines)
