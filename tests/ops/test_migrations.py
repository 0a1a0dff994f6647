"""Schema versions: an archive written by an older hub (commit 86e0d0f, before this round's
search terms on messages and label documents) restores and is brought forward; a database
newer than the code is refused; two processes starting together migrate once.

``fixtures/before-26.tar`` was made by ``fixtures/make_old_archive.sh`` (that commit's own
``parley serve --demo``, ``parley simulate`` and API, archived without a schema version).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import subprocess
from pathlib import Path
from typing import Any

from hub import db
from hub.settings import Settings
from hub.store import backup, migrations
from tests.conftest import start_app
from tests.core.test_plans import PARLEY, refused
from tests.ops.test_backup import acli, cli, other

FIXTURES = Path(__file__).parent / "fixtures"
OLD = FIXTURES / "before-26.tar"
KEPT = json.loads((FIXTURES / "before-26.json").read_text())


def old_settings(settings: Settings) -> Settings:
    return dataclasses.replace(other(settings), secret_key="fixture-secret-key")


async def raw(settings: Settings, work: Any) -> Any:
    client = db.connect(settings.mongodb_uri or "")
    try:
        return await work(client[settings.database])
    finally:
        await db.release(client)


async def test_an_older_archive_restores_and_is_brought_forward(
    settings: Settings, connectors: Any
) -> None:
    target = old_settings(settings)
    assert backup.read_manifest(OLD).schema_version == 0
    restored = await acli(target, "restore", "--from", str(OLD))
    assert (restored["schema_version"], restored["migrated_to"]) == (0, migrations.CURRENT)

    async def shapes(database: Any) -> tuple[Any, ...]:
        messages = await database["messages"].find({}).to_list(None)
        names = sorted([d["name"] async for d in database["labels"].find({})])
        meta = await database["meta"].find_one({"_id": "schema"})
        return messages, names, meta

    messages, names, meta = await raw(target, shapes)
    assert len(messages) == 3 and all(m.get("terms") for m in messages)
    assert names == ["refund", "vip customer"]
    assert meta["version"] == 4 and [m["version"] for m in meta["migrated"]] == [1, 2, 3, 4]
    indexes = await raw(target, lambda database: database["conversations"].index_information())
    assert "account_id_1_handler_1_status_1_last_message_at_-1" in indexes
    assert "account_id_1_contact_name_1" not in indexes  # migration 2 dropped it
    indexes = await raw(target, lambda database: database["activity_events"].index_information())
    assert "account_id_1_kind_1_at_1" in indexes
    assert "account_id_1_user_id_1_at_1" not in indexes  # migration 3 dropped it

    auth = {"Authorization": f"Bearer {KEPT['api_key']}"}
    async for running in start_app(target, connectors):
        api = running.client
        r = await api.get("/api/v1/conversations", params={"q": "marzipan"}, headers=auth)
        assert r.status_code == 200 and len(r.json()["data"]) == 1, r.text
        r = await api.get("/api/v1/labels", headers=auth)
        assert sorted(label["name"] for label in r.json()["data"]) == names
        page = await api.get("/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        form = {"email": "admin@demo.parley.test", "password": "parley-demo", "csrf": csrf}
        assert (await api.post("/login", data=form)).status_code == 303
        assert (await api.get("/inbox")).status_code == 200

    # Idempotent: run again from version 0, nothing changes.
    async def again(database: Any) -> Any:
        await database["meta"].delete_one({"_id": "schema"})
        first = await migrations.m001_round_shapes.up(database)
        return first, await database["labels"].count_documents({})

    async for _ in start_app(target, connectors):  # binds the models to this database
        counts, labels = await raw(target, again)
    assert counts == {"contacts": 0, "messages": 0, "labels": 0} and labels == 2


async def test_two_processes_starting_together_migrate_once(settings: Settings) -> None:
    target = old_settings(settings)
    await raw(target, lambda database: backup.restore(database, OLD))  # not migrated

    def account_list() -> subprocess.CompletedProcess[str]:
        return cli(target, "account", "list")

    both = await asyncio.gather(*(asyncio.to_thread(account_list) for _ in range(2)))
    for done in both:
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["data"][0]["id"] == KEPT["account_id"]
    said = [line for done in both for line in done.stderr.splitlines() if "migration 1" in line]
    assert len(said) == 2, said  # one process: "starts" and "done"
    meta = await raw(target, lambda database: database["meta"].find_one({"_id": "schema"}))
    assert [m["version"] for m in meta["migrated"]] == [1, 2, 3, 4]


async def test_a_newer_database_is_refused_by_commands_and_serve(
    settings: Settings, tmp_path: Path
) -> None:
    target = other(settings)
    await acli(target, "account", "create", "--name", "Acme", "--plan", "HUB", "--seats", "3")

    async def newer(database: Any) -> None:
        await database["meta"].update_one({"_id": "schema"}, {"$set": {"version": 99}})

    await raw(target, newer)
    refused(await asyncio.to_thread(cli, target, "account", "list"), "schema_newer")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "PARLEY_DATA_DIR": str(tmp_path / "var"),
        "PARLEY_MONGODB_URI": target.mongodb_uri or "",
        "PARLEY_DATABASE": target.database,
        "PARLEY_SMTP_PORT": str(target.smtp_port),
    }
    served = await asyncio.to_thread(
        subprocess.run,
        [PARLEY, "serve", "--port", str(port)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert served.returncode == 2, served.stderr
    assert "schema_newer: the database's schema is version 99" in served.stderr


async def test_the_lease_lets_one_of_two_starts_migrate(
    settings: Settings, monkeypatch: Any
) -> None:
    """Two starts at once (slow migration): one runs it, the other waits for its version."""
    target = other(settings)
    calls: list[str] = []

    async def slow(database: Any) -> dict[str, int]:
        calls.append(database.name)
        await asyncio.sleep(0.5)
        return {}

    monkeypatch.setattr(migrations, "MIGRATIONS", (migrations.Migration(1, "slow", slow),))
    monkeypatch.setattr(migrations, "CURRENT", 1)

    async def both(database: Any) -> list[migrations.Outcome]:
        await database["accounts"].insert_one({"name": "from before versions"})
        return list(await asyncio.gather(*(migrations.migrate(database, 0.05) for _ in "ab")))

    outcomes = await raw(target, both)
    assert len(calls) == 1
    assert sorted(len(o.ran) for o in outcomes) == [0, 1]
    assert {(o.before, o.after) for o in outcomes} == {(0, 1)}
