"""The audit trail: one function every part calls to record who changed what, from where.

``record(account_id, actor, action, target, ip, details)`` writes one ``audit_events``
row. The actor is real: the signed-in user, the API key, the operator's CLI or the hub
itself (``Actor``). Reads are bounded range windows on ``(account_id, at)`` (or with
the actor or the action leading), as the embedded planner serves them.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Any

from beanie import PydanticObjectId

from hub.models import Actor, ApiKey, AuditEvent, User

__all__ = ["SYSTEM", "Actor", "events_between", "of_key", "of_user", "operator", "record"]

SYSTEM = Actor(type="system", id=None, name="Parley")
#: Detail keys whose values are never stored (secrets in configs, passwords, keys).
SECRET_HINTS = ("password", "secret", "token", "key")
MAX_EVENTS = 5000


def of_user(user: User) -> Actor:
    return Actor(type="user", id=str(user.id), name=user.name or user.email)


def of_key(key: ApiKey) -> Actor:
    return Actor(type="api_key", id=str(key.id), name=f"{key.name} ({key.prefix}…)")


def operator() -> Actor:
    """The person running the ``parley`` command, by their login name."""
    try:
        login = getpass.getuser()
    except (OSError, KeyError):
        login = "operator"
    return Actor(type="operator", id=login, name=f"{login} (parley CLI)")


def _scrub(details: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(hint in key.lower() for hint in SECRET_HINTS) and key != "key_id":
            clean[key] = "(set)" if value else value
        elif isinstance(value, dict):
            clean[key] = _scrub(value)
        else:
            clean[key] = value
    return clean


async def record(
    account_id: PydanticObjectId,
    actor: Actor,
    action: str,
    target: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one audit event. Secret-looking detail values are replaced by ``(set)``."""
    event = AuditEvent(
        account_id=account_id,
        actor=actor,
        action=action,
        target=target,
        ip=ip,
        details=_scrub(details or {}),
    )
    await event.insert()
    return event


async def events_between(
    account_id: PydanticObjectId,
    start: dt.datetime,
    end: dt.datetime,
    actor_id: str | None = None,
    action: str | None = None,
    limit: int = MAX_EVENTS,
) -> list[AuditEvent]:
    """Events with ``start <= at < end``, newest first; ``actor_id``/``action`` narrow them.

    Each filter leads its own index ahead of the time range, so the read stays small.
    """
    query: dict[str, Any] = {"account_id": account_id, "at": {"$gte": start, "$lt": end}}
    if actor_id:
        query["actor.id"] = actor_id
    if action:
        query["action"] = action
    found = await AuditEvent.find(query).limit(limit).to_list()
    return sorted(found, key=lambda e: e.at, reverse=True)
