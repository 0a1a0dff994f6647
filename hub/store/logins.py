"""Failed sign-in attempts, keyed by email or client address (``hub.models.LoginAttempt``)."""

from __future__ import annotations

import datetime as dt

from hub.models import LoginAttempt

# ---- added by views


async def count_attempts_all_accounts(key: str, since: dt.datetime) -> int:
    """Failed attempts under ``key`` since ``since``. Attempts belong to no account (an
    email or a client address, before anyone is signed in): this spans all of them."""
    return await LoginAttempt.find(
        LoginAttempt.key == key, LoginAttempt.created_at >= since
    ).count()


async def record_failed_attempts_all_accounts(*keys: str) -> None:
    """One failed attempt under each key (one write)."""
    await LoginAttempt.insert_many([LoginAttempt(key=key) for key in keys])


async def clear_attempts_all_accounts(key: str) -> None:
    """Forget the failed attempts under ``key``."""
    await LoginAttempt.find(LoginAttempt.key == key).delete()
