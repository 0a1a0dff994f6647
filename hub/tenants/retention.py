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
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

from pydantic import ValidationError

from hub import tasks
from hub.contract import now
from hub.models import Account, Actor
from hub.models.account import MAX_RETENTION_DAYS, Retention
from hub.store import accounts as store
from hub.store import purge as purge_store
from hub.store import push as push_store
from hub.tenants import audit, purge

if TYPE_CHECKING:
    from hub.pipeline.services import Hub

log = logging.getLogger(__name__)
#: Book-keeping: audit events and usage ledger lines are kept this long.
BOOKS_DAYS = 5 * 366
MAX_DAYS = MAX_RETENTION_DAYS
LEASE = dt.timedelta(minutes=30)
LEASE_ID = "retention"
INTERVAL_SECONDS = 3600.0
#: A push device that took no push for this long is forgotten by the purge.
DEVICE_DAYS = 180
FIELDS = ("conversations_days", "callback_notes_days", "activity_days")


#: A change of some of the retention fields (days, or None: kept until erased).
RetentionInput = Mapping[str, object] | None


class Cutoffs(TypedDict):
    """Per kind, the time before which data goes at a purge (None: kept)."""

    conversations: dt.datetime | None
    callback_notes: dt.datetime | None
    activity_events: dt.datetime | None
    books: dt.datetime | None


class AccountPurge(TypedDict):
    account_id: str
    name: str
    deleted: dict[str, int]


class PurgeRun(TypedDict):
    """What a purge of every account did (or, in a dry run, would do): the CLI's answer."""

    as_of: str
    dry_run: bool
    accounts: list[AccountPurge]


class Preview(TypedDict):
    next_run: dt.datetime
    cutoffs: Cutoffs
    counts: dict[str, int]


class InvalidRetention(ValueError):
    """A retention setting that cannot be used; ``field`` names it (answered 400)."""

    code = "invalid_retention"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = f"{field}: {message}"


def validate_retention(value: object) -> Retention:
    """A retention setting from untrusted input (the API, the admin page).

    Each field is null (kept until erased) or a whole number of days from 1 to
    ``MAX_DAYS``; unknown fields are refused. Raises ``InvalidRetention`` naming the field.
    """
    try:
        return Retention.model_validate(value)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
    if not loc:
        raise InvalidRetention("retention", "must be an object")
    name = str(loc[0])
    if name not in FIELDS:
        raise InvalidRetention(f"retention.{name}", f"unknown field; known: {', '.join(FIELDS)}")
    raise InvalidRetention(
        f"retention.{name}", f"must be null or a whole number of days from 1 to {MAX_DAYS}"
    )


async def set_retention(
    account: Account, value: RetentionInput, actor: Actor = audit.SYSTEM, ip: str | None = None
) -> Retention:
    """Validate and store an account's retention; the change goes to the audit log."""
    assert account.id is not None
    retention = validate_retention({**account.retention.model_dump(), **(value or {})})
    stored = retention.model_dump(mode="json")
    await store.set_settings(account.id, {"retention": stored})
    account.retention = retention
    await audit.record(account.id, actor, "retention.changed", f"account:{account.id}", ip, stored)
    return retention


def cutoffs(retention: Retention, at: dt.datetime) -> Cutoffs:
    """Per kind, the time before which data goes at a purge at ``at`` (None: kept)."""

    def before(days: int | None) -> dt.datetime | None:
        return None if days is None else at - dt.timedelta(days=days)

    return Cutoffs(
        conversations=before(retention.conversations_days),
        callback_notes=before(retention.callback_notes_days),
        activity_events=before(retention.activity_days),
        books=before(BOOKS_DAYS),
    )


async def purge_account(
    hub: Hub, account: Account, at: dt.datetime, dry_run: bool = False
) -> dict[str, int]:
    """Apply one account's retention as of ``at``; returns counts per kind."""
    assert account.id is not None
    limits = cutoffs(account.retention, at)
    counts: dict[str, int] = {"conversations": 0, "messages": 0, "attachments": 0}
    if limits["conversations"] is not None:
        found = await purge.conversations(hub, account.id, limits["conversations"], dry_run)
        counts.update(conversations=found["conversations"], messages=found["messages"],
                      attachments=found["attachments"])  # fmt: skip
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
    stale = at - dt.timedelta(days=DEVICE_DAYS)
    counts["push_devices"] = await push_store.stale_devices(account.id, stale, dry_run)
    if not dry_run and any(counts.values()):
        details = {"as_of": at.isoformat(), **counts}
        await audit.record(
            account.id, audit.SYSTEM, "retention.purged", f"account:{account.id}", None, details
        )
    return counts


async def run(hub: Hub, at: dt.datetime | None = None, dry_run: bool = False) -> PurgeRun:
    """Apply every account's retention as of ``at`` (default now): the CLI's answer."""
    at = at or now()
    results = []
    for account in await store.all_accounts():
        counts = await purge_account(hub, account, at, dry_run)
        results.append(AccountPurge(account_id=str(account.id), name=account.name, deleted=counts))
    return PurgeRun(as_of=at.isoformat(), dry_run=dry_run, accounts=results)


async def daily(hub: Hub, owner: str | None = None) -> PurgeRun | None:
    """Run the purge once for today (UTC); None when it ran today already or runs elsewhere."""
    at = now()
    day = at.date().isoformat()
    owner = owner or uuid.uuid4().hex[:12]
    if not await purge_store.claim_day_all_accounts(LEASE_ID, day, owner, at, at + LEASE):
        return None
    result = await run(hub, at)
    await purge_store.finish_day(LEASE_ID, owner, day, now())
    return result


async def next_run(at: dt.datetime | None = None) -> dt.datetime:
    """When the daily purge runs next (start of the next UTC day once today's has run)."""
    at = at or now()
    if await purge_store.day_done(LEASE_ID) != at.date().isoformat():
        return at
    tomorrow = at.date() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=dt.UTC)


async def preview(hub: Hub, account: Account) -> Preview:
    """What the next purge will delete for ``account``, and when (the admin page)."""
    when = await next_run()
    counts = await purge_account(hub, account, when, dry_run=True)
    return Preview(next_run=when, cutoffs=cutoffs(account.retention, when), counts=counts)


class RetentionLoop(tasks.Periodic):
    """Calls ``daily`` every ``interval`` seconds; its own lease makes one process do the work."""

    def __init__(self, hub: Hub, interval: float = INTERVAL_SECONDS) -> None:
        self.hub = hub
        super().__init__("retention", self._daily, interval)

    async def _daily(self) -> None:
        await daily(self.hub, self.owner)
