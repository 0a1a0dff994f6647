"""Passwords (Argon2), API keys (hashed, shown once), sessions and roles."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from beanie import PydanticObjectId
from starlette.requests import Request

from hub.contract import now
from hub.models import ApiKey, User
from hub.models.user import ROLE_RANK
from hub.store import keys, users
from hub.store import push as push_store
from hub.store.ids import try_id

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the email is unknown, so both paths take the same time.

    Made on first use: hashing at import cost every process (and CLI command) ~0.5 s.
    """
    return _hasher.hash("not a password")


KEY_PREFIX = "pk_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = await users.user_by_email_all_accounts(email.strip().lower())
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    return user if verify_password(user.password_hash, password) else None


def has_role(user: User, role: str) -> bool:
    """Whether ``user`` may use a view for ``role``.

    Ranks are ``agent`` < ``supervisor`` < ``admin``. A ``dashboard`` view (the wallboard)
    admits dashboard users, supervisors and admins; a dashboard user opens nothing else.
    ``any`` admits every signed-in user (signing out, one's own password).
    """
    if role == "any":
        return True
    if role == "dashboard":
        return user.role in ("dashboard", "supervisor", "admin")
    return ROLE_RANK[user.role] >= ROLE_RANK[role]


# --------------------------------------------------------------------------- sessions


def login(request: Request, user: User) -> None:
    """Start a signed-cookie session for ``user`` with a fresh CSRF token.

    The session carries the user's ``session_version``; bumping it in the database
    (sign-out, deactivation, a new password) ends every session made before.
    """
    request.session.clear()
    request.session.update(
        {
            "uid": str(user.id),
            "aid": str(user.account_id),
            "sv": user.session_version,
            "csrf": secrets.token_urlsafe(24),
        }
    )


#: The session's note of the Web Push device this browser subscribed (``hub.inbox.push``).
PUSH_DEVICE = "push_device"


async def logout(request: Request, user: User) -> None:
    """End this session and every other one of ``user`` (a copied cookie stops working).

    The Web Push device this browser subscribed in the session goes too: on a shared
    computer the next person must not see the last one's notifications."""
    assert user.id is not None
    await users.end_sessions(user.account_id, user.id)
    noted = request.session.get(PUSH_DEVICE)
    device = try_id(noted) if noted else None
    if device is not None:
        await push_store.remove_device(user.account_id, user.id, device)
    request.session.clear()


def keep_session(request: Request, version: int) -> None:
    """Carry this session over to the user's new session version (sign out the others)."""
    request.session["sv"] = version


async def session_user(request: Request) -> User | None:
    """The signed-in user of this request, if the session names an active one."""
    uid = request.session.get("uid")
    aid = request.session.get("aid")
    if not uid or not aid:
        return None
    user_id, account_id = try_id(uid), try_id(aid)
    if user_id is None or account_id is None:
        return None
    user = await users.live_user(account_id, user_id)
    # A cookie made before the user's sessions were ended carries an older version.
    if user is None or request.session.get("sv", 0) != user.session_version:
        return None
    return user


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and submitted and secrets.compare_digest(str(expected), submitted))


# --------------------------------------------------------------------------- API keys


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_api_key(account_id: PydanticObjectId, name: str = "default") -> tuple[ApiKey, str]:
    """A new key for the account; the plain key is returned once and never stored."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(account_id=account_id, name=name, prefix=key[:10], digest=_digest(key))
    return await keys.insert_key(record), key


async def api_key_account(key: str) -> ApiKey | None:
    """The live key record for a presented key, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    record = await keys.live_key_all_accounts(_digest(key))
    if record is not None:
        await _touch(record)
    return record


#: ``last_used_at`` is written at most this often per key: not a write per request.
TOUCH_SECONDS = 60
#: Longest a process keeps a live key without reading it again (changes drop it sooner).
KEY_CACHE_SECONDS = 30.0


class KeyCache:
    """Live API keys of one process by digest, so a request does not read its key again.

    An entry is dropped when its key changes (``changed``: the change stream's
    ``api_key`` events, from any process, within milliseconds), at once when this
    process revokes any key (``hub.store.keys.revocations``), and after
    ``KEY_CACHE_SECONDS`` in any case. A key unknown or revoked is never kept.
    """

    def __init__(self) -> None:
        self._keys: dict[str, tuple[float, ApiKey]] = {}
        self._revocations = keys.revocations()

    def changed(self, data: Mapping[str, object], fields: tuple[str, ...] = ()) -> None:
        """A key's document changed (its change event's full document and the fields an
        update changed): dropped, unless only its use was noted (``last_used_at``)."""
        if fields and set(fields) <= {"last_used_at"}:
            return
        digest = data.get("digest")
        if isinstance(digest, str):
            self._keys.pop(digest, None)

    async def account_key(self, key: str) -> ApiKey | None:
        """``api_key_account`` through the cache."""
        if keys.revocations() != self._revocations:
            self._keys.clear()
            self._revocations = keys.revocations()
        digest = _digest(key)
        cached = self._keys.get(digest)
        if cached is not None and time.monotonic() - cached[0] < KEY_CACHE_SECONDS:
            await _touch(cached[1])
            return cached[1]
        revocations = keys.revocations()
        record = await api_key_account(key)
        if record is not None and keys.revocations() == revocations:
            self._keys[digest] = (time.monotonic(), record)
        return record


async def _touch(record: ApiKey) -> None:
    at = now()
    last = record.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    if last is None or (at - last).total_seconds() >= TOUCH_SECONDS:
        assert record.id is not None
        await keys.touch_key(record.account_id, record.id, at)
        record.last_used_at = at
