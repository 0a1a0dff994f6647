"""Retention: how long each account keeps personal data, and the daily purge that enforces it.

An account's ``retention`` is ``{"conversations_days", "callback_notes_days",
"activity_days"}`` (``hub.models.account.Retention``). ``run`` applies every
account's retention as of a time (``parley retention run``); ``daily`` does it
at most once a day however many processes call it (a lease in ``leases``);
``RetentionLoop`` calls ``daily`` from every ``serve`` process. What a purge
deleted is written, as counts, to the account's audit log. The audit log and
the usage ledger are kept for five years whatever the account says.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from pymongo.errors import DuplicateKeyError

from hub import tasks
from hub.contract import now
from hub.models import Account, Actor, Lease
from hub.models.account import Retention
from hub.tenants import audit, purge

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
#: Book-keeping: audit events and usage ledger lines are kept this long.
BOOKS_DAYS = 5 * 366
MAX_DAYS = 3650
LEASE = dt.timedelta(minutes=30)
LEASE_ID = "retention"
INTERVAL_SECONDS = 3600.0
FIELDS = ("conversations_days", "callback_notes_days", "activity_days")


class InvalidRetention(ValueError):
    """A retention setting that cannot be used; ``field`` names it (answered 400)."""

    code = "invalid_retention"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


def validate_retention(value: Any) -> Retention:
    """A retention setting from untrusted input (the API, the admin page).

    Each field is null (kept until erased) or a whole number of days from 1 to
    3650; unknown fields are refused. Raises ``InvalidRetention`` naming the field.
    """
    if not isinstance(value, dict):
        raise InvalidRetention("retention", "must be an object")
    for key, days in value.items():
        if key not in FIELDS:
            raise InvalidRetention(f"retention.{key}", f"unknown field; known: {', '.join(FIELDS)}")
        if days is None:
            continue
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise InvalidRetention(
                f"retention.{key}", f"must be null or a whole number of days from 1 to {MAX_DAYS}"
            )
    try:
        return Retention.model_validate(value)
    except ValidationError as exc:  # pragma: no cover - the checks above cover the model
        raise InvalidRetention("retention", str(exc)) from None


async def set_retention(
    account: Account, value: Any, actor: Actor = audit.SYSTEM, ip: str | None = None
) -> Retention:
    """Validate and store an account's retention; the change goes to the audit log."""
    assert account.id is not None
    retention = validate_retention({**account.retention.model_dump(), **(value or {})})
    await Account.get_pymongo_collection().update_one(
        {"_id": account.id}, {"$set": {"retention": retention.model_dump()}}
    )
    account.retention = retention
    await audit.record(
        account.id, actor, "retention.changed", f"account:{account.id}", ip, retention.model_dump()
    )
    return retention


def cutoffs(retention: Retention, at: dt.datetime) -> dict[str, dt.datetime | None]:
    """Per kind, the time before which data goes at a purge at ``at`` (None: kept)."""

    def before(days: int | None) -> dt.datetime | None:
        return None if days is None else at - dt.timedelta(days=days)

    return {
        "conversations": before(retention.conversations_days),
        "callback_notes": before(retention.callback_notes_days),
        "activity_events": before(retention.activity_days),
        "books": before(BOOKS_DAYS),
    }


async def purge_account(
    hub: Hub, account: Account, at: dt.datetime, dry_run: bool = False
) -> dict[str, int]:
    """Apply one account's retention as of ``at``; returns counts per kind."""
    assert account.id is not None
    limits = cutoffs(account.retention, at)
    counts: dict[str, int] = {"conversations": 0, "messages": 0, "attachments": 0}
    if limits["conversations"] is not None:
        counts.update(await purge.conversations(hub, account.id, limits["conversations"], dry_run))
    counts["callback_notes"] = 0
    if limits["callback_notes"] is not None:
        counts["callback_notes"] = await purge.callback_notes(
            hub, account.id, limits["callback_notes"], dry_run
        )
    counts["activity_events"] = 0
    if limits["activity_events"] is not None:
        counts["activity_events"] = await purge.activity(
            account.id, limits["activity_events"], dry_run
        )
    assert limits["books"] is not None
    counts.update(await purge.books(account.id, limits["books"], dry_run))
    if not dry_run and any(counts.values()):
        details = {"as_of": at.isoformat(), **counts}
        await audit.record(
            account.id, audit.SYSTEM, "retention.purged", f"account:{account.id}", None, details
        )
    return counts


async def run(hub: Hub, at: dt.datetime | None = None, dry_run: bool = False) -> dict[str, Any]:
    """Apply every account's retention as of ``at`` (default now): the CLI's answer."""
    at = at or now()
    results = []
    async for account in Account.find_all():
        counts = await purge_account(hub, account, at, dry_run)
        results.append({"account_id": str(account.id), "name": account.name, "deleted": counts})
    return {"as_of": at.isoformat(), "dry_run": dry_run, "accounts": results}


async def daily(hub: Hub, owner: str | None = None) -> dict[str, Any] | None:
    """Run the purge once for today (UTC); None when it ran today already or runs elsewhere."""
    at = now()
    day = at.date().isoformat()
    owner = owner or uuid.uuid4().hex[:12]
    if not await _claim(day, owner, at):
        return None
    result = await run(hub, at)
    await Lease.get_pymongo_collection().update_one(
        {"_id": LEASE_ID, "owner": owner}, {"$set": {"done": day, "until": now()}}
    )
    return result


async def _claim(day: str, owner: str, at: dt.datetime) -> bool:
    """Take today's run: nobody finished it today and nobody's lease is current."""
    try:
        await Lease.get_pymongo_collection().find_one_and_update(
            {"_id": LEASE_ID, "done": {"$ne": day}, "until": {"$lt": at}},
            {"$set": {"owner": owner, "until": at + LEASE}},
            upsert=True,
        )
    except DuplicateKeyError:  # the lease exists and is not ours to take
        return False
    return True


async def next_run(at: dt.datetime | None = None) -> dt.datetime:
    """When the daily purge runs next (start of the next UTC day once today's has run)."""
    at = at or now()
    lease = await Lease.get_pymongo_collection().find_one({"_id": LEASE_ID})
    if lease is None or lease.get("done") != at.date().isoformat():
        return at
    tomorrow = at.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=dt.UTC)


async def preview(hub: Hub, account: Account) -> dict[str, Any]:
    """What the next purge will delete for ``account``, and when (the admin page)."""
    when = await next_run()
    counts = await purge_account(hub, account, when, dry_run=True)
    return {"next_run": when, "cutoffs": cutoffs(account.retention, when), "counts": counts}


class RetentionLoop(tasks.Periodic):
    """Calls ``daily`` every ``interval`` seconds; its own lease makes one process do the work."""

    def __init__(self, hub: Hub, interval: float = INTERVAL_SECONDS) -> None:
        self.hub = hub
        super().__init__("retention", self._daily, interval)

    async def _daily(self) -> None:
        await daily(self.hub, self.owner)
