"""Visitor sessions: a token signed by the hub, and HMAC identity verification.

The token is the visitor's only credential. It names the channel, the account,
the visitor and the page origin it was issued for; the browser keeps it (in
the iframe's localStorage) so a reload or another page of the site resumes the
same conversation. Nothing about a session is kept in a process.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import BaseModel, ValidationError

SALT = "parley.webchat.visitor.v1"
#: A visitor who comes back within this many seconds resumes their conversation.
MAX_AGE = 180 * 24 * 3600
#: Tickets are read-only and short-lived: they travel in URLs (the stream, media), which
#: end up in logs, where the token itself must never be.
TICKET_SALT = "parley.webchat.ticket.v1"
TICKET_MAX_AGE = 3600


class InvalidSession(Exception):
    """The token is missing, forged, expired, or for another channel: answered 401."""


class Visitor(BaseModel):
    """What a visitor token says."""

    channel_id: str
    account_id: str
    #: The address value of the visitor: ``anon:<random>`` or ``user:<verified user id>``.
    visitor_id: str
    #: Origin of the page the session was opened on.
    origin: str
    name: str | None = None
    verified: bool = False

    @property
    def address_key(self) -> str:
        return f"visitor:{self.visitor_id}"


def new_visitor_id() -> str:
    return "anon:" + secrets.token_urlsafe(18)


def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key or "insecure-test-key", salt=salt)


def issue(secret_key: str, visitor: Visitor) -> str:
    return _serializer(secret_key, SALT).dumps(visitor.model_dump(mode="json"))


def issue_ticket(secret_key: str, visitor: Visitor) -> str:
    return _serializer(secret_key, TICKET_SALT).dumps(visitor.model_dump(mode="json"))


def read(secret_key: str, token: str | None, *, ticket: bool = False) -> Visitor:
    """The visitor a token (or a read-only ticket) names; raises ``InvalidSession``."""
    if not token:
        raise InvalidSession("no visitor token")
    salt, max_age = (TICKET_SALT, TICKET_MAX_AGE) if ticket else (SALT, MAX_AGE)
    try:
        data = _serializer(secret_key, salt).loads(token, max_age=max_age)
        return Visitor.model_validate(data)
    except (BadSignature, ValidationError, TypeError):
        raise InvalidSession("the visitor token is not valid") from None


def identity_hash(identity_secret: str, user_id: str) -> str:
    """Hex HMAC-SHA256 of the user id: what the site computes server-side."""
    return hmac.new(identity_secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_ok(identity_secret: str, user_id: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(
        identity_hash(identity_secret, user_id), (given or "").lower()
    )
