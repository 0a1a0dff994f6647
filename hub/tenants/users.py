"""Users: making them under the seat rule, changing role, teams, capacity, (de)activation,
passwords, and ending sessions.

Deactivating a user, changing their password and "sign out everywhere" bump the
user's ``session_version``: every session cookie made before stops working at once,
in every process (``hub.tenants.auth.session_user`` compares it on each request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import cast

from beanie import PydanticObjectId

from hub.contract import now, one_address, one_line
from hub.errors import Conflict, Gone, InvalidInput, NotFound
from hub.models import Account, Actor, User
from hub.models.user import ROLES, SEAT_ROLES
from hub.store import accounts as account_store
from hub.store import push as push_store
from hub.store import users as store
from hub.store.ids import try_id
from hub.store.users import UserFields
from hub.tenants import audit, plans
from hub.tenants.auth import hash_password

#: How long a one-time set-password link works.
PASSWORD_LINK_HOURS = 72
#: Fields ``update_user`` accepts, besides ``password``.
FIELDS = ("name", "role", "active", "phone", "capacity", "team_ids", "presence", "calendar_url",
          "language", "timezone")  # fmt: skip


def check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput("invalid_role", f"role must be one of {', '.join(ROLES)}")


def check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("weak_password", "a password needs at least 8 characters")
    if len(password) > 1024:
        raise InvalidInput("weak_password", "a password has at most 1024 characters")


def _one(check: Callable[[str], str], value: str) -> bool:
    """Whether ``check`` (``one_line``/``one_address``) takes ``value``."""
    try:
        check(value)
    except ValueError:
        return False
    return True


async def create_user(
    account: Account,
    email: str,
    password: str | None,
    role: str,
    name: str = "",
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
    team_ids: list[str] | None = None,
    capacity: int | None = None,
) -> User:
    """A new user; one with a seat role takes a seat (``SeatLimit`` when none is free).

    ``password`` None makes a user who signs in only after setting one through a
    one-time link (``password_link``). An email in use is a ``Conflict`` (``email_taken``).
    """
    assert account.id is not None
    check_role(role)
    if password is not None:
        check_password(password)
    email = email.strip().lower()
    if not 3 <= len(email) <= 254 or "@" not in email or not _one(one_address, email):
        raise InvalidInput("invalid_email", "email must be an address like ann@example.com")
    if not _one(one_line, name):
        raise InvalidInput("invalid_name", "a name is one line, without line breaks")
    user = User(
        account_id=account.id,
        email=email,
        name=name or email.split("@")[0],
        # Unusable until a password is set: no Argon2 hash matches it.
        password_hash=hash_password(password) if password is not None else "!unset",
        role=role,
        team_ids=team_ids or [],
        capacity=capacity,
    )
    await take_seat(account, user, insert=True)
    details = {"email": email, "role": role}
    await audit.record(account.id, actor, "user.created", f"user:{user.id}", ip, details)
    return user


async def take_seat(
    account: Account, user: User, insert: bool = False, changes: UserFields | None = None
) -> None:
    """Check a free seat for ``user`` and insert it (or ``$set`` ``changes``) in one transaction.

    A count alone cannot see a racing insert, so each transaction first bumps the
    account's ``seat_version``: two concurrent seat takers conflict on that write and
    the loser is retried against the new count. No seat is needed for a dashboard user.
    """
    assert account.id is not None
    seats = account.seats

    def check(limit: int | None, used: int) -> None:
        plans.check_seat_available(seats if limit is None else limit, used)

    needs_seat = user.role in SEAT_ROLES and user.active
    await account_store.save_user_with_seat(
        account.id, user, check if needs_seat else None, None if insert else (changes or {})
    )


async def get_user(account_id: PydanticObjectId, user_id: str | PydanticObjectId) -> User:
    """A user of this account; another account's id is simply not found."""
    parsed = try_id(user_id)
    user = None if parsed is None else await store.get_user(account_id, parsed)
    if user is None:
        raise NotFound(f"no user {user_id} in this account")
    return user


async def find_user(user_id: str) -> User:
    """A user by id in any account (the operator's CLI)."""
    parsed = try_id(user_id)
    user = None if parsed is None else await store.user_by_id_all_accounts(parsed)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def list_users(account_id: PydanticObjectId) -> list[User]:
    return await store.users_oldest_first(account_id)


async def update_user(
    account: Account,
    user: User,
    changes: Mapping[str, object],
    actor: Actor = audit.SYSTEM,
    ip: str | None = None,
) -> User:
    """Apply ``changes`` (see ``FIELDS``, plus ``password``) under the seat rule.

    A user who would newly hold a seat (reactivated, or from dashboard to a seat role)
    needs a free one (``SeatLimit``). Deactivation and a new password end the user's
    sessions. The last active admin cannot be demoted or deactivated.
    """
    assert account.id is not None
    unknown = set(changes) - {*FIELDS, "password"}
    if unknown:
        raise InvalidInput("invalid_request", f"not a user field: {', '.join(sorted(unknown))}")
    if isinstance(changes.get("name"), str) and not _one(one_line, str(changes["name"])):
        raise InvalidInput("invalid_name", "a name is one line, without line breaks")
    update = cast(
        UserFields,
        {k: v for k, v in changes.items() if k != "password" and getattr(user, k) != v},
    )
    if "role" in update:
        check_role(update["role"])
    if "password" in changes:
        check_password(str(changes["password"]))
        update["password_hash"] = hash_password(str(changes["password"]))
        update["password_token_digest"] = None
    if not update:
        return user
    await _keep_an_admin(account, user, update)
    ends_sessions = update.get("active") is False or "password_hash" in update
    if ends_sessions:
        update["session_version"] = user.session_version + 1
    if update.get("active") is False:
        update["presence"] = "offline"
    after = user.model_copy(update=dict(update))
    if after.active and after.role in SEAT_ROLES and not user.takes_seat:
        await take_seat(account, after, changes=update)
    else:
        assert user.id is not None
        await store.set_fields(account.id, user.id, update)
    details: dict[str, object] = {
        k: v for k, v in update.items() if k not in ("password_hash", "session_version")
    }
    if "password_hash" in update:
        details["password"] = "changed"
    if ends_sessions:
        details["sessions_ended"] = True
    if update.get("active") is False:  # a deactivated user's devices are told nothing more
        assert user.id is not None
        details["push_devices_removed"] = await push_store.forget_user(account.id, user.id)
    await audit.record(account.id, actor, _action(update), f"user:{user.id}", ip, details)
    assert user.id is not None
    return await get_user(account.id, user.id)


def _action(update: UserFields) -> str:
    if update.get("active") is False:
        return "user.deactivated"
    if update.get("active") is True:
        return "user.reactivated"
    if set(update) <= {"password_hash", "password_token_digest", "session_version"}:
        return "user.password_changed"
    return "user.updated"


async def _keep_an_admin(account: Account, user: User, update: UserFields) -> None:
    leaves = update.get("active") is False or update.get("role", "admin") != "admin"
    if user.role != "admin" or not user.active or not leaves:
        return
    assert account.id is not None
    if await store.active_admins(account.id) <= 1:
        raise Conflict(
            "last_admin", "this is the account's last active admin; make another admin first"
        )


async def end_sessions(user: User, actor: Actor, ip: str | None = None) -> int:
    """End every session of ``user`` (sign-out everywhere); returns the new session version."""
    assert user.id is not None
    updated = await store.bump_session_version(user.account_id, user.id)
    version = updated if updated is not None else user.session_version + 1
    await audit.record(user.account_id, actor, "session.ended_everywhere", f"user:{user.id}", ip)
    return version


# --------------------------------------------------------------------------- set-password links


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def password_link(account: Account, user: User, actor: Actor, ip: str | None = None) -> str:
    """A one-time token for ``/set-password/{token}``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    expires = now() + dt.timedelta(hours=PASSWORD_LINK_HOURS)
    assert account.id is not None and user.id is not None
    await store.set_password_token(account.id, user.id, _digest(token), expires)
    await audit.record(account.id, actor, "user.password_link_created", f"user:{user.id}", ip)
    return token


async def user_of_link(token: str) -> User | None:
    """The active user a live set-password token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    user = await store.user_by_token_all_accounts(_digest(token))
    if user is None or user.password_token_expires is None:
        return None
    expires = user.password_token_expires
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=dt.UTC)
    return user if expires > now() else None


async def set_password_by_link(token: str, password: str, ip: str | None = None) -> User:
    user = await user_of_link(token)
    if user is None:
        raise Gone("link_expired", "this link was used already or has expired")
    account = await account_store.get_account(user.account_id)
    if account is None:
        raise NotFound("the account no longer exists")
    return await update_user(account, user, {"password": password}, audit.of_user(user), ip)
