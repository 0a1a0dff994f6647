"""The context every page's layout needs: who is signed in, the CSRF token, the colleagues list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from hub.models import Account, User
from hub.store import users
from hub.web import i18n
from hub.web.guard import Ctx


async def colleagues(ctx: Ctx) -> list[User]:
    """The account's active users, available ones first, then by name."""
    found = await users.list_active_users(ctx.account_id)
    order = {"available": 0, "away": 1, "offline": 2}
    return sorted(found, key=lambda u: (order[u.presence], (u.name or u.email).lower()))


class LayoutContext(TypedDict):
    """What every signed-in page's layout reads."""

    user: User
    csrf: str
    account: Account
    colleagues: list[User]
    languages: Mapping[str, str]
    zones: list[str]


async def layout_context(ctx: Ctx) -> LayoutContext:
    return LayoutContext(
        user=ctx.user,
        csrf=ctx.csrf,
        account=ctx.account,
        colleagues=await colleagues(ctx),
        languages=i18n.LANGUAGES,
        zones=zones_for(ctx.user.timezone),
    )


def zones_for(current: str | None) -> list[str]:
    """The time zones the preferences menu offers: the usual ones, and the user's own."""
    return list(dict.fromkeys([*([current] if current else []), *i18n.COMMON_ZONES]))
