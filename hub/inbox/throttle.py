"""The sign-in rate limit: failed attempts per email and per client address, kept in the database.

Stored attempts (not a counter in memory) make the limit hold across every
``parley serve`` process; a TTL index forgets them after the window.
"""

from __future__ import annotations

import datetime as dt

from hub.contract import now
from hub.models.login_attempt import ATTEMPT_WINDOW_SECONDS
from hub.store import logins

#: Failed attempts allowed per email address, and per client address, within the window.
MAX_PER_EMAIL = 5
MAX_PER_CLIENT = 30


class TooManyAttempts(Exception):
    """Sign-in refused until older failed attempts leave the window."""

    minutes = ATTEMPT_WINDOW_SECONDS // 60


def _keys(email: str, client: str) -> tuple[str, str]:
    return f"email:{email.strip().lower()}", f"ip:{client}"


async def _count(key: str) -> int:
    since = now() - dt.timedelta(seconds=ATTEMPT_WINDOW_SECONDS)
    # The TTL sweep runs late; the time bound keeps the count exact.
    return await logins.count_attempts_all_accounts(key, since)


async def check(email: str, client: str) -> None:
    """Raise ``TooManyAttempts`` when this email or client has failed too often lately."""
    by_email, by_client = _keys(email, client)
    if await _count(by_email) >= MAX_PER_EMAIL or await _count(by_client) >= MAX_PER_CLIENT:
        raise TooManyAttempts()


async def failed(email: str, client: str) -> None:
    by_email, by_client = _keys(email, client)
    await logins.record_failed_attempts_all_accounts(by_email, by_client)


async def succeeded(email: str) -> None:
    """A correct password clears the email's failures (not the client's)."""
    by_email, _ = _keys(email, "")
    await logins.clear_attempts_all_accounts(by_email)
