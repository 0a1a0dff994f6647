"""Retention: the purge deletes what is past each limit, as of a controlled time, and nothing else."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from beanie import PydanticObjectId

from hub.facts import activity
from hub.models import (
    Account,
    ActivityEvent,
    AuditEvent,
    Conversation,
    DailyCounter,
    Lease,
    Message,
    UsageEvent,
)
from hub.pipeline import outbound
from hub.pipeline.media import MediaNotFound
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.store import purge
from hub.store.migrations import m004_books_at
from hub.tenants import retention
from tests.conftest import Clock, Running, Tenant, start_app
from tests.core.helpers import inbound_conversation, wait_for
from tests.store.test_index_census import _scans

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PARLEY = str(Path(sys.executable).with_name("parley"))


async def _resolved(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock, days_ago: int, sender: str
) -> Conversation:
    """A conversation with one inbound message, resolved ``days_ago`` days before START."""
    clock.set(START - dt.timedelta(days=days_ago, hours=1))
    conversation = await inbound_conversation(client, tenant, sender, pid=f"in-{sender}")
    clock.set(START - dt.timedelta(days=days_ago))
    r = await client.patch(
        f"/api/v1/conversations/{conversation.id}", json={"status": "resolved"}, headers=tenant.auth
    )
    assert r.status_code == 200, r.text
    clock.set(START)
    return conversation


async def _with_file(hub: Hub, tenant: Tenant, conversation: Conversation) -> str:
    assert tenant.account.id is not None
    stored = await hub.media.put(
        tenant.account.id, b"%PDF-1.4 invoice", "invoice.pdf", "application/pdf"
    )
    await Message.get_pymongo_collection().update_one(
        {"conversation_id": conversation.id}, {"$set": {"attachments": [stored.model_dump()]}}
    )
    return stored.id


async def _counts(account_id: PydanticObjectId, conversation: Conversation) -> tuple[int, int]:
    conversations = await Conversation.find(
        Conversation.account_id == account_id, Conversation.id == conversation.id
    ).count()
    messages = await Message.find(Message.conversation_id == conversation.id).count()
    return conversations, messages


async def test_resolved_conversations_past_the_limit_go_with_messages_and_files(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    account_id = tenant.account.id
    assert account_id is not None
    old = await _resolved(client, tenant, clock, 40, "+4511000001")
    young = await _resolved(client, tenant, clock, 10, "+4511000002")
    clock.set(START - dt.timedelta(days=100))
    still_open = await inbound_conversation(client, tenant, "+4511000003", pid="in-open")
    clock.set(START)
    elsewhere = await _resolved(client, other_tenant, clock, 40, "+4511000004")  # keeps all
    file_id = await _with_file(hub, tenant, old)
    await retention.set_retention(tenant.account, {"conversations_days": 30})

    dry = await retention.run(hub, START, dry_run=True)
    mine = next(a for a in dry["accounts"] if a["account_id"] == str(account_id))
    assert mine["deleted"]["conversations"] == 1
    assert mine["deleted"]["messages"] == 1
    assert mine["deleted"]["attachments"] == 1
    assert await _counts(account_id, old) == (1, 1)  # a dry run deletes nothing
    await hub.media.get(account_id, file_id)

    done = await retention.run(hub, START)
    assert next(a for a in done["accounts"] if a["account_id"] == str(account_id)) == mine
    assert await _counts(account_id, old) == (0, 0)
    with pytest.raises(MediaNotFound):
        await hub.media.get(account_id, file_id)
    assert await hub.media.files.count_documents({"_id": PydanticObjectId(file_id)}) == 0
    assert await _counts(account_id, young) == (1, 1)
    assert await _counts(account_id, still_open) == (1, 1)
    assert other_tenant.account.id is not None
    assert await _counts(other_tenant.account.id, elsewhere) == (1, 1)

    purged = await AuditEvent.find(
        AuditEvent.account_id == account_id, AuditEvent.action == "retention.purged"
    ).to_list()
    assert len(purged) == 1
    assert purged[0].details["conversations"] == 1 and purged[0].details["messages"] == 1
    again = await retention.run(hub, START)  # nothing left: no second audit entry
    assert all(v == 0 for v in again["accounts"][0]["deleted"].values())


async def test_presence_history_goes_after_activity_days_and_counters_survive(
    hub: Hub, tenant: Tenant, clock: Clock
) -> None:
    account_id = tenant.account.id
    assert account_id is not None
    old = START - dt.timedelta(days=45)
    await activity.record(account_id, "presence", at=old, user_id="u1", data={"status": "away"})
    await activity.record(account_id, "resolved", at=old, user_id="u1")
    await activity.record(account_id, "presence", at=START - dt.timedelta(days=5), user_id="u1")
    day = activity.local_day(old)
    before = await DailyCounter.find_one(
        DailyCounter.account_id == account_id,
        DailyCounter.scope == "account",
        DailyCounter.day == day,
    )
    assert before is not None and before.counts == {"presence": 1, "resolved": 1}

    counts = await retention.purge_account(hub, tenant.account, START)  # default: 30 days

    assert counts["activity_events"] == 1
    kinds = sorted(
        e.kind for e in await ActivityEvent.find(ActivityEvent.account_id == account_id).to_list()
    )
    assert kinds == ["presence", "resolved"]  # the young presence fact and the report fact stay
    after = await DailyCounter.find_one(
        DailyCounter.account_id == account_id,
        DailyCounter.scope == "account",
        DailyCounter.day == day,
    )
    assert after is not None and after.counts == before.counts


async def test_callback_notes_are_cleared_after_their_limit(hub: Hub, tenant: Tenant) -> None:
    account_id = tenant.account.id
    requests = hub.database[retention.purge.CALLBACKS]
    old, recent = START - dt.timedelta(days=20), START - dt.timedelta(days=2)
    attempt = {"by": "u1", "outcome": "no_answer"}
    await requests.insert_many(
        [
            {
                "account_id": account_id,
                "contact_id": "c1",
                "attempts": [{**attempt, "at": old, "note": "wife said call after 5"}],
                "last_note": "wife said call after 5",
            },
            {
                "account_id": account_id,
                "contact_id": "c2",
                "attempts": [
                    {**attempt, "at": old, "note": "left voicemail"},
                    {**attempt, "at": recent, "note": "asked for Tuesday"},
                ],
                "last_note": "asked for Tuesday",
            },
        ]
    )
    await retention.set_retention(tenant.account, {"callback_notes_days": 14})
    assert (await retention.purge_account(hub, tenant.account, START, dry_run=True))[
        "callback_notes"
    ] == 2

    counts = await retention.purge_account(hub, tenant.account, START)

    assert counts["callback_notes"] == 2
    first = await requests.find_one({"contact_id": "c1"})
    second = await requests.find_one({"contact_id": "c2"})
    assert first is not None and second is not None
    assert first["attempts"][0]["note"] is None and first["last_note"] is None
    assert first["attempts"][0]["outcome"] == "no_answer"  # the log stays, the note goes
    assert [a["note"] for a in second["attempts"]] == [None, "asked for Tuesday"]
    assert second["last_note"] == "asked for Tuesday"


async def test_no_callbacks_collection_is_nothing_to_clear(hub: Hub, tenant: Tenant) -> None:
    await retention.set_retention(tenant.account, {"callback_notes_days": 1})
    assert (await retention.purge_account(hub, tenant.account, START))["callback_notes"] == 0


async def test_audit_log_and_usage_ledger_are_kept_five_years(hub: Hub, tenant: Tenant) -> None:
    account_id = tenant.account.id
    assert account_id is not None
    ledger = await UsageEvent.find(UsageEvent.account_id == account_id).count()
    for years, action in ((6, "old"), (4, "recent")):
        at = START - dt.timedelta(days=365 * years)
        await AuditEvent(
            account_id=account_id, actor="system", action=action, created_at=at
        ).insert()
        # The ledger's time is ``at`` (the purge reads it); written then, so both are ``at``.
        await UsageEvent(account_id=account_id, kind="seats", at=at, created_at=at).insert()
    await retention.set_retention(tenant.account, {"conversations_days": 1, "activity_days": 1})

    counts = await retention.purge_account(hub, tenant.account, START)

    assert counts["audit_events"] == 1 and counts["usage_events"] == 1
    actions = {
        e.action for e in await AuditEvent.find(AuditEvent.account_id == account_id).to_list()
    }
    assert "old" not in actions and "recent" in actions
    assert await UsageEvent.find(UsageEvent.account_id == account_id).count() == ledger + 1


class _Recording:
    """A collection that notes the filters of its counts and deletions."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.filters = inner, []

    async def count_documents(self, scope: dict[str, Any]) -> int:
        self.filters.append(scope)
        return int(await self.inner.count_documents(scope))

    async def delete_many(self, scope: dict[str, Any]) -> Any:
        self.filters.append(scope)
        return await self.inner.delete_many(scope)


async def test_the_books_purge_reads_them_by_at_on_their_index(
    hub: Hub, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Audit events and ledger lines go by ``at`` (older events had only ``created_at``:
    migration 4 gives them ``at``), and each count and deletion reads (account_id, at)."""
    account_id = tenant.account.id
    assert account_id is not None
    old = START - dt.timedelta(days=365 * 6)
    # An event written before ``at`` existed: its time in created_at only.
    older = {"account_id": account_id, "actor": "system", "action": "old", "created_at": old}
    await AuditEvent.get_pymongo_collection().insert_one(older)
    await AuditEvent(account_id=account_id, actor="system", action="kept").insert()
    await UsageEvent(account_id=account_id, kind="seats", at=old).insert()  # created now
    assert await m004_books_at.up(AuditEvent.get_pymongo_collection().database) == {
        "audit_events": 1,
        "usage_events": 0,
    }
    recorded = {}
    for model in (AuditEvent, UsageEvent):
        recorded[model] = _Recording(model.get_pymongo_collection())
        monkeypatch.setattr(model, "get_pymongo_collection", lambda r=recorded[model]: r)
    cutoff = START - dt.timedelta(days=365 * 5)

    dry = await purge.books_before(account_id, cutoff, dry_run=True)
    done = await purge.books_before(account_id, cutoff, dry_run=False)

    assert dry == done == {"audit_events": 1, "usage_events": 1}
    audit, usage = recorded[AuditEvent].inner, recorded[UsageEvent].inner
    actions = {doc["action"] async for doc in audit.find({"account_id": account_id})}
    assert "old" not in actions and "kept" in actions
    assert await usage.count_documents({"account_id": account_id, "at": {"$lt": cutoff}}) == 0
    for recording in recorded.values():
        collection = recording.inner
        assert len(recording.filters) == 2
        for scope in recording.filters:
            find = {"find": collection.name, "filter": scope}
            plan = (await collection.database.command("explain", find))["queryPlanner"]
            assert "account_id_1_at_1" in list(_scans(plan["winningPlan"])), (scope, plan)


@pytest.mark.parametrize(
    "value, field",
    [
        ({"conversations_days": 0}, "retention.conversations_days"),
        ({"conversations_days": "30"}, "retention.conversations_days"),
        ({"activity_days": True}, "retention.activity_days"),
        ({"callback_notes_days": 99999}, "retention.callback_notes_days"),
        ({"forever": 1}, "retention.forever"),
        ([], "retention"),
    ],
)
def test_validate_retention_names_the_field(value: Any, field: str) -> None:
    with pytest.raises(retention.InvalidRetention) as refused:
        retention.validate_retention(value)
    assert refused.value.field == field


def test_validate_retention_accepts_nulls_and_days() -> None:
    got = retention.validate_retention({"conversations_days": None, "activity_days": 7})
    assert got.model_dump() == {
        "conversations_days": None,
        "callback_notes_days": None,
        "activity_days": 7,
    }


async def test_the_daily_purge_runs_once_a_day_across_processes(
    running: Running, tenant: Tenant, clock: Clock
) -> None:
    hub = running.hub
    await running.app.state.workers["retention"].stop()  # it ran at start-up, on real time
    await Lease.get_pymongo_collection().delete_many({})
    clock.set(START)
    results = await asyncio.gather(*(retention.daily(hub, f"process-{i}") for i in range(4)))
    assert sum(r is not None for r in results) == 1
    assert await retention.daily(hub, "late") is None
    assert await retention.next_run(START) == dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
    clock.advance(days=1)
    assert await retention.daily(hub, "tomorrow") is not None


async def test_cli_dry_run_and_run_print_counts_per_account_and_kind(
    hub: Hub, client: httpx.AsyncClient, tenant: Tenant, clock: Clock, settings: Settings
) -> None:
    old = await _resolved(client, tenant, clock, 40, "+4511000009")
    await retention.set_retention(tenant.account, {"conversations_days": 30})
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_MONGODB_URI=settings.mongodb_uri or "",
        PARLEY_DATABASE=settings.database,
        PARLEY_DATA_DIR=str(settings.data_dir),
        PARLEY_SECRET_KEY=settings.secret_key,
    )

    def parley(*args: str) -> dict[str, Any]:
        done = subprocess.run([PARLEY, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    as_of = ["retention", "run", "--as-of", START.isoformat()]
    dry = await asyncio.to_thread(parley, *as_of, "--dry-run")
    assert dry["dry_run"] is True
    assert await Conversation.find(Conversation.id == old.id).count() == 1
    done = await asyncio.to_thread(parley, *as_of)
    assert done["dry_run"] is False
    assert [a["deleted"] for a in done["accounts"]] == [a["deleted"] for a in dry["accounts"]]
    mine = next(a for a in done["accounts"] if a["account_id"] == str(tenant.account.id))
    assert mine["deleted"]["conversations"] == 1 and mine["name"] == tenant.account.name
    assert await Conversation.find(Conversation.id == old.id).count() == 0
    # As of a time when nothing was past the limit yet, nothing would go.
    early = await asyncio.to_thread(
        parley,
        "retention",
        "run",
        "--dry-run",
        "--as-of",
        (START - dt.timedelta(days=60)).isoformat(),
    )
    assert all(v == 0 for a in early["accounts"] for v in a["deleted"].values())
    stored = await Account.get(tenant.account.id)
    assert stored is not None and stored.retention.conversations_days == 30


async def test_every_serve_process_runs_the_daily_purge_in_the_background(
    running: Running, tenant: Tenant, clock: Clock, settings: Settings, connectors: Any
) -> None:
    old = await _resolved(running.client, tenant, clock, 40, "+4511000010")
    await retention.set_retention(tenant.account, {"conversations_days": 30})
    await Lease.get_pymongo_collection().delete_many({})  # as on the next day

    async def finished() -> dict[str, Any] | None:
        lease = await Lease.get_pymongo_collection().find_one({"_id": "retention"})
        return lease if lease and lease.get("done") == START.date().isoformat() else None

    async with outbound.guarded_client() as http:
        async for _ in start_app(settings, connectors, http):
            await wait_for(finished, "the background purge")
    assert await Conversation.find(Conversation.id == old.id).count() == 0
