"""Failed sign-in attempts, kept in the database so the limit holds across processes.

Not a tenant document: an attempt happens before anyone knows the account.
The TTL index drops attempts once they no longer count.
"""

from __future__ import annotations

import datetime as dt

import pymongo
from beanie import Document
from pydantic import Field

from hub.contract import now

#: How long a failed attempt counts against its (email, address) pair and its address.
ATTEMPT_WINDOW_SECONDS = 15 * 60


class LoginAttempt(Document):
    #: ``pair:<email>|<client address>`` or ``ip:<client address>``.
    key: str
    created_at: dt.datetime = Field(default_factory=now)

    class Settings:
        name = "login_attempts"
        indexes = [
            [("key", 1), ("created_at", -1)],
            pymongo.IndexModel([("created_at", 1)], expireAfterSeconds=ATTEMPT_WINDOW_SECONDS),
        ]
