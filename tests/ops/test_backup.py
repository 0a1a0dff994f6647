"""``parley backup`` and ``parley restore`` (DESIGN.md's command table), with real processes.

A backup of a running hub restored into a new database serves the same accounts,
conversations, API keys and password sign-ins; a non-empty database and a damaged archive
are refused before anything is written; the archive is one instant of the database.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path
from typing import Any

import pytest

from hub import db
from hub.contract import now
from hub.models import Account, Conversation, Message
from hub.settings import Settings
from hub.store import backup
from hub.store.migrations import CURRENT
from tests.conftest import Running, Tenant, start_app
from tests.core.test_plans import PARLEY, refused
from tests.inbox.conftest import add_user, post_inbound, sign_in


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "PARLEY_DATA_DIR": str(settings.data_dir),
        "PARLEY_MONGODB_URI": settings.mongodb_uri or "",
        "PARLEY_DATABASE": settings.database,
        "PARLEY_SECRET_KEY": settings.secret_key,
    }
    return subprocess.run(
        [PARLEY, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def acli(settings: Settings, *args: str) -> dict[str, Any]:
    done = await asyncio.to_thread(cli, settings, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def other(settings: Settings) -> Settings:
    return dataclasses.replace(settings, database=f"t_{uuid.uuid4().hex[:12]}")


async def documents(settings: Settings) -> dict[str, int]:
    client = db.connect(settings.mongodb_uri or "")
    try:
        database = client[settings.database]
        names = await database.list_collection_names()
        return {n: await database[n].count_documents({}) for n in sorted(names)}
    finally:
        await db.release(client)


async def indexes(settings: Settings) -> dict[str, dict[str, Any]]:
    """The ``messages`` indexes by name: their keys and options."""
    client = db.connect(settings.mongodb_uri or "")
    try:
        found = [i async for i in await client[settings.database]["messages"].list_indexes()]
        return {
            i["name"]: {
                "key": dict(i["key"]),
                **{k: v for k, v in i.items() if k not in ("v", "name", "key", "ns")},
            }
            for i in found
        }
    finally:
        await db.release(client)


async def test_a_restored_backup_serves_the_same_keys_sign_ins_and_conversations(
    running: Running, tenant: Tenant, settings: Settings, tmp_path: Path, connectors: Any
) -> None:
    client = running.client
    await add_user(tenant, "ada@acme.test", role="admin")
    await post_inbound(client, tenant, "m-1", "+4520000001", "where is my parcel?")
    conversations = (await client.get("/api/v1/conversations", headers=tenant.auth)).json()
    assert len(conversations["data"]) == 1
    archive = tmp_path / "hub.tar"
    # An index the hub does not declare: only the archive's manifest can bring it back.
    await running.hub.database["messages"].create_index(
        [("account_id", 1), ("direction", 1)], name="by_direction", sparse=True
    )

    shown = await acli(settings, "backup", "--out", str(archive))  # the app keeps running
    before = await documents(settings)
    assert shown["file"] == str(archive) and archive.stat().st_mode & 0o777 == 0o600
    assert shown["documents"] == sum(before.values()) > 0
    assert shown["collections"] == len(before)

    fresh = other(settings)
    restored = await acli(fresh, "restore", "--from", str(archive))
    assert (restored["documents"], restored["migrated_to"]) == (shown["documents"], CURRENT)
    after = await documents(fresh)
    assert {n: c for n, c in after.items() if c} == {n: c for n, c in before.items() if c}
    assert (await indexes(fresh))["by_direction"] == {
        "key": {"account_id": 1, "direction": 1},
        "sparse": True,
    }

    # A second restore into the same database is refused, and writes nothing.
    refused(await asyncio.to_thread(cli, fresh, "restore", "--from", str(archive)), "not_empty")
    assert await documents(fresh) == after

    async for second in start_app(fresh, connectors):
        r = await second.client.get("/api/v1/conversations", headers=tenant.auth)
        assert r.status_code == 200, r.text
        assert [c["id"] for c in r.json()["data"]] == [c["id"] for c in conversations["data"]]
        web = await sign_in(second, "ada@acme.test")
        assert (await web.get("/inbox")).status_code == 200
        await web.aclose()


async def test_a_damaged_or_foreign_archive_writes_nothing(
    running: Running, tenant: Tenant, settings: Settings, tmp_path: Path
) -> None:
    await post_inbound(running.client, tenant, "m-2", "+4520000002", "hello")
    archive = tmp_path / "hub.tar"
    nowhere = str(tmp_path / "no-such-directory" / "hub.tar")
    refused(await asyncio.to_thread(cli, settings, "backup", "--out", nowhere), "backup_failed")
    await acli(settings, "backup", "--out", str(archive))
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]

    def variant(name: str, change: dict[str, bytes]) -> Path:
        path = tmp_path / name
        with tarfile.open(path, "w") as tar:
            for member, data in {**members, **change}.items():
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    messages = members["collections/messages.bson"]
    flipped = messages[:20] + bytes([messages[20] ^ 0x01]) + messages[21:]
    manifest = json.loads(members["manifest.json"])
    damaged = {
        "checksum": variant("flip.tar", {"collections/messages.bson": flipped}),
        "truncated": variant("cut.tar", {"collections/messages.bson": messages[:-3]}),
        "foreign": variant("foreign.tar", {"manifest.json": b'{"format": "other"}'}),
        "not json": variant("garbage.tar", {"manifest.json": b"{oops"}),
    }
    cut = tmp_path / "half.tar"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    damaged["half a file"] = cut
    damaged["missing"] = tmp_path / "nothing.tar"
    newer = {**manifest, "schema_version": 99}
    damaged["newer"] = variant("newer.tar", {"manifest.json": json.dumps(newer).encode()})
    for why, path in damaged.items():
        fresh = other(settings)
        done = await asyncio.to_thread(cli, fresh, "restore", "--from", str(path))
        refused(done, "schema_newer" if why == "newer" else "bad_archive")
        assert not any((await documents(fresh)).values()), why


async def test_the_archive_is_one_instant_while_the_hub_writes(
    running: Running, tenant: Tenant, settings: Settings, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Writes made while the backup reads (after its first collection) are not in it."""
    await post_inbound(running.client, tenant, "m-3", "+4520000003", "before")
    dump = backup._dump
    written: list[str] = []

    async def dump_then_write(*args: Any) -> backup.Entry:
        entry = await dump(*args)
        if not written:  # "accounts" is read; now the hub writes elsewhere
            await post_inbound(running.client, tenant, "m-4", "+4520000004", "during")
            await Account.find_one(Account.id == tenant.account.id).delete()
            written.append(entry.name)
        return entry

    monkeypatch.setattr(backup, "_dump", dump_then_write)
    manifest = await backup.backup(running.hub.database, tmp_path / "a.tar", 1, "test", now())
    counts = {e.name: e.documents for e in manifest.collections}
    assert written == ["accounts"]
    assert counts["accounts"] == 1
    assert await Message.count() == 2 and counts["messages"] == 1
    assert await Conversation.count() == 2 and counts["conversations"] == 1
