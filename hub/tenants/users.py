"""Changing users: role, teams, capacity, (de)activation, passwords, and ending sessions.

Deactivating a user, changing their password and "sign out everywhere" bump the
user's ``session_version``: every session cookie made before stops working at once,
in every process (``hub.tenants.auth.session_user`` compares it on each request).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from beanie import PydanticObjectId

from hub.contract import now
from hub.errors import Conflict, Gone, InvalidInput, NotFound
from hub.models import Account, Actor, User
from hub.models.user import SEAT_ROLES
from hub.tenants import audit
from hub.tenants.accounts import check_password, check_role, object_id, take_seat
from hub.tenants.auth import hash_password

#: How long a one-time set-password link works.
PASSWORD_LINK_HOURS = 72
#: Fields ``update_user`` accepts, besides ``password``.
FIELDS = ("name", "role", "active", "phone", "capacity", "team_ids", "presence", "calendar_url",
          "language", "timezone")  # fmt: skip


async def get_user(account_id: PydanticObjectId, user_id: str) -> User:
    """A user of this account; another account's id is simply not found."""
    user = await User.find_one(User.id == object_id(user_id, "user"), User.account_id == account_id)
    if user is None:
        raise NotFound(f"no user {user_id} in this account")
    return user


async def find_user(user_id: str) -> User:
    """A user by id in any account (the operator's CLI)."""
    user = await User.get(object_id(user_id, "user"))
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


async def list_users(account_id: PydanticObjectId) -> list[User]:
    return await User.find(User.account_id == account_id).sort("created_at").to_list()


async def update_user(
    account: Account,
    user: User,
    changes: dict[str, Any],
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
    update = {k: v for k, v in changes.items() if k != "password" and getattr(user, k) != v}
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
    after = user.model_copy(update=update)
    if after.active and after.role in SEAT_ROLES and not user.takes_seat:
        await take_seat(account, after, changes=update)
    else:
        await User.get_pymongo_collection().update_one(
            {"_id": user.id, "account_id": account.id}, {"$set": update}
        )
    details = {k: v for k, v in update.items() if k not in ("password_hash", "session_version")}
    if "password_hash" in update:
        details["password"] = "changed"
    if ends_sessions:
        details["sessions_ended"] = True
    await audit.record(account.id, actor, _action(update), f"user:{user.id}", ip, details)
    return await get_user(account.id, str(user.id))


def _action(update: dict[str, Any]) -> str:
    if update.get("active") is False:
        return "user.deactivated"
    if update.get("active") is True:
        return "user.reactivated"
    if set(update) <= {"password_hash", "password_token_digest", "session_version"}:
        return "user.password_changed"
    return "user.updated"


async def _keep_an_admin(account: Account, user: User, update: dict[str, Any]) -> None:
    leaves = update.get("active") is False or update.get("role", "admin") != "admin"
    if user.role != "admin" or not user.active or not leaves:
        return
    admins = await User.find({"account_id": account.id, "role": "admin", "active": True}).count()
    if admins <= 1:
        raise Conflict(
            "last_admin", "this is the account's last active admin; make another admin first"
        )


async def end_sessions(user: User, actor: Actor, ip: str | None = None) -> int:
    """End every session of ``user`` (sign-out everywhere); returns the new session version."""
    updated = await User.get_pymongo_collection().find_one_and_update(
        {"_id": user.id, "account_id": user.account_id},
        {"$inc": {"session_version": 1}},
        return_document=True,
    )
    version = int(updated["session_version"]) if updated else user.session_version + 1
    await audit.record(user.account_id, actor, "session.ended_everywhere", f"user:{user.id}", ip)
    return version


# --------------------------------------------------------------------------- set-password links


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def password_link(account: Account, user: User, actor: Actor, ip: str | None = None) -> str:
    """A one-time token for ``/set-password/{token}``; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    expires = now() + dt.timedelta(hours=PASSWORD_LINK_HOURS)
    await User.get_pymongo_collection().update_one(
        {"_id": user.id, "account_id": account.id},
        {"$set": {"password_token_digest": _digest(token), "password_token_expires": expires}},
    )
    await audit.record(account.id, actor, "user.password_link_created", f"user:{user.id}", ip)  # type: ignore[arg-type]
    return token


async def user_of_link(token: str) -> User | None:
    """The active user a live set-password token belongs to, or None."""
    if not token or len(token) > 100:
        return None
    user = await User.find_one(User.password_token_digest == _digest(token), User.active == True)  # noqa: E712
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
    account = await Account.get(user.account_id)
    if account is None:
        raise NotFound("the account no longer exists")
    return await update_user(account, user, {"password": password}, audit.of_user(user), ip)
