"""The sign-in rate limit: failed attempts per (email, client address) and per client address,
kept in the database.

Counting per pair, not per email alone, means a stranger's wrong guesses cannot lock a
user out everywhere: five wrong passwords from one address hold back that address for
that email only, and the right password from another address still signs in. An address
that guesses across many emails is held back by its own count. Stored attempts (not a
counter in memory) make the limit hold across every ``parley serve`` process; a TTL
index forgets them after the window.
"""

from __future__ import annotations

import datetime as dt

from hub.contract import now
from hub.models.login_attempt import ATTEMPT_WINDOW_SECONDS
from hub.store import logins

#: Failed attempts allowed per (email, client address), and per client address, in the window.
MAX_PER_PAIR = 5
MAX_PER_CLIENT = 30


class TooManyAttempts(Exception):
    """Sign-in refused until older failed attempts leave the window."""

    minutes = ATTEMPT_WINDOW_SECONDS // 60


def _keys(email: str, client: str) -> tuple[str, str]:
    return f"pair:{email.strip().lower()}|{client}", f"ip:{client}"


async def _count(key: str) -> int:
    since = now() - dt.timedelta(seconds=ATTEMPT_WINDOW_SECONDS)
    # The TTL sweep runs late; the time bound keeps the count exact.
    return await logins.count_attempts_all_accounts(key, since)


async def check(email: str, client: str) -> None:
    """Raise ``TooManyAttempts`` when this email from this client, or this client, has failed
    too often lately."""
    by_pair, by_client = _keys(email, client)
    if await _count(by_pair) >= MAX_PER_PAIR or await _count(by_client) >= MAX_PER_CLIENT:
        raise TooManyAttempts()


async def failed(email: str, client: str) -> None:
    by_pair, by_client = _keys(email, client)
    await logins.record_failed_attempts_all_accounts(by_pair, by_client)


async def succeeded(email: str, client: str) -> None:
    """A correct password clears the failures of this email from this client (not the
    client's own count, nor other clients' counts for the email)."""
    by_pair, _ = _keys(email, client)
    await logins.clear_attempts_all_accounts(by_pair)
