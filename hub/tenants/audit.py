"""The audit trail: one function every part calls to record who changed what, from where.

``record(account_id, actor, action, target, ip, details)`` writes one ``audit_events``
row. The actor is real: the signed-in user, the API key, the operator's CLI or the hub
itself (``Actor``). Reads are bounded range windows on ``(account_id, at)`` (or with
the actor or the action leading), as the embedded planner serves them.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from typing import Any

from beanie import PydanticObjectId

from hub.models import Actor, ApiKey, AuditEvent, User
from hub.store import audit as store
from hub.store.batch import InsertBatcher

__all__ = ["SYSTEM", "Actor", "events_between", "of_key", "of_user", "operator", "record"]

SYSTEM = Actor(type="system", id=None, name="Parley")
#: Detail keys whose values are never stored (secrets in configs, passwords, keys).
SECRET_HINTS = ("password", "secret", "token", "key")
#: Detail keys that look secret but are not (an API key's id, assist's token counts).
NOT_SECRET = frozenset({"key_id", "tokens_in", "tokens_out", "tokens_estimated"})
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


def _scrub(details: Mapping[str, object]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(hint in key.lower() for hint in SECRET_HINTS) and key not in NOT_SECRET:
            clean[key] = "(set)" if value else value
        elif isinstance(value, Mapping):
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
    details: Mapping[str, object] | None = None,
    batch: InsertBatcher[AuditEvent] | None = None,
) -> AuditEvent:
    """Write one audit event. Secret-looking detail values are replaced by ``(set)``.
    ``batch``: the process's group commit of events (``Hub.audit_inserts``)."""
    event = AuditEvent(
        account_id=account_id,
        actor=actor,
        action=action,
        target=target,
        ip=ip,
        details=_scrub(details or {}),
    )
    return await store.insert_event(event, batch)


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
    found = await store.events_between(account_id, start, end, actor_id, action, limit)
    return sorted(found, key=lambda e: e.at, reverse=True)
