"""Backup and restore: every collection of the hub's database in one tar archive.

The archive holds ``manifest.json`` (the format, the schema version, the hub's version, the
time, and per collection its document count, the sha256 of its BSON and its indexes) and one
``collections/NAME.bson`` per collection: the documents as the driver's own ``bson`` encodes
them, one after the other (what ``mongodump`` writes too), copied raw, never re-encoded.

A point in time: every collection is read in ONE read-only transaction with read concern
``snapshot``, so the archive is the database as it was when the transaction started, while
``serve`` keeps writing. That holds on the embedded SecantusDB (measured: writes made while
the backup reads are not in it) and on a MongoDB replica set, where a transaction must end
within ``transactionLifetimeLimitSeconds`` (60 s unless raised): a backup that reads longer
fails with ``backup_failed`` and says so. Indexes are listed just before the transaction
(``listIndexes`` cannot run inside one).

Restore verifies everything before it writes anything (the manifest, every checksum and
count, every document decodes), refuses a database that holds a document (``not_empty``),
then inserts the documents and creates the indexes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import bson
from bson import json_util
from bson.codec_options import CodecOptions
from bson.errors import BSONError
from bson.raw_bson import RawBSONDocument
from pymongo import IndexModel
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.read_preferences import ReadPreference

from hub.errors import HubError
from hub.store.database import Database

FORMAT = "parley-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: Documents per insert while restoring.
BATCH = 1000
RAW: CodecOptions[RawBSONDocument] = CodecOptions(document_class=RawBSONDocument)


class BackupFailed(HubError):
    def __init__(self, message: str) -> None:
        super().__init__("backup_failed", message)


class BadArchive(HubError):
    """The archive is damaged, not one of ours, or incomplete: nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_archive", message)


class NotEmpty(HubError):
    def __init__(self, message: str) -> None:
        super().__init__("not_empty", message)


@dataclasses.dataclass(frozen=True)
class Index:
    """One index as ``listIndexes`` describes it: its keys and its options (unique, TTL…)."""

    keys: list[tuple[str, Any]]
    options: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    documents: int
    sha256: str
    size: int
    indexes: list[Index]


@dataclasses.dataclass(frozen=True)
class Manifest:
    schema_version: int
    hub_version: str
    created_at: dt.datetime
    database: str
    collections: list[Entry]

    @property
    def documents(self) -> int:
        return sum(e.documents for e in self.collections)

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "schema_version": self.schema_version,
            "hub_version": self.hub_version,
            "created_at": self.created_at,
            "database": self.database,
            "collections": [
                {
                    "name": e.name,
                    "documents": e.documents,
                    "sha256": e.sha256,
                    "bytes": e.size,
                    "indexes": [{"key": i.keys, **i.options} for i in e.indexes],
                }
                for e in self.collections
            ],
        }
        return json_util.dumps(body, json_options=json_util.RELAXED_JSON_OPTIONS, indent=2)

    @classmethod
    def from_json(cls, text: bytes) -> Manifest:
        try:
            body = json_util.loads(text, json_options=json_util.RELAXED_JSON_OPTIONS)
            if body.get("format") != FORMAT:
                raise BadArchive("not a Parley backup (its manifest names another format)")
            if body.get("format_version") != FORMAT_VERSION:
                raise BadArchive(f"archive format {body.get('format_version')} is not known")
            entries = [
                Entry(
                    name=str(c["name"]),
                    documents=int(c["documents"]),
                    sha256=str(c["sha256"]),
                    size=int(c["bytes"]),
                    indexes=[_index(i) for i in c["indexes"]],
                )
                for c in body["collections"]
            ]
            created = body["created_at"]
            return cls(
                schema_version=int(body["schema_version"]),
                hub_version=str(body["hub_version"]),
                created_at=created if isinstance(created, dt.datetime) else dt.datetime.min,
                database=str(body["database"]),
                collections=entries,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadArchive(f"the manifest is damaged ({type(exc).__name__}: {exc})") from None


def _index(described: Any) -> Index:
    """An index from ``listIndexes`` (keys as a mapping) or from a manifest (keys as pairs)."""
    spec = dict(described)
    key = spec.pop("key")
    pairs = key.items() if isinstance(key, dict) else key
    keys = [(str(field), direction) for field, direction in pairs]
    for dropped in ("v", "ns"):
        spec.pop(dropped, None)
    return Index(keys=keys, options=spec)


def _member(name: str) -> str:
    return f"collections/{name}.bson"


# --------------------------------------------------------------------------- backup


async def _collections(database: Database) -> list[str]:
    names = await database.list_collection_names(filter={"type": "collection"})
    return sorted(n for n in names if not n.startswith("system."))


async def backup(
    database: Database, out: Path, schema_version: int, hub_version: str, at: dt.datetime
) -> Manifest:
    """Write the whole database, as of one instant, to the tar archive ``out``.

    The archive is written beside ``out`` and renamed into place at the end: a failed
    backup leaves no half archive under that name.
    """
    names = await _collections(database)
    indexes = {n: [_index(i) async for i in await database[n].list_indexes()] for n in names}
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".parley-backup-") as work:
        entries: list[Entry] = []
        try:
            async with (
                database.client.start_session() as session,
                await session.start_transaction(
                    read_concern=ReadConcern("snapshot"), read_preference=ReadPreference.PRIMARY
                ),
            ):
                for name in names:
                    entries.append(await _dump(database, session, name, Path(work), indexes[name]))
        except PyMongoError as exc:
            raise BackupFailed(
                f"reading the database failed after {len(entries)} of {len(names)} collections "
                f"({str(exc)[:200]}); on MongoDB the backup's transaction must end within "
                "transactionLifetimeLimitSeconds"
            ) from None
        manifest = Manifest(schema_version, hub_version, at, database.name, entries)
        _write_archive(manifest, Path(work), out)
    return manifest


def _write_archive(manifest: Manifest, work: Path, out: Path) -> None:
    partial = work / "archive.tar"
    at = manifest.created_at
    with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, MANIFEST, io.BytesIO(manifest.to_json().encode()), at)
        for entry in manifest.collections:
            with open(work / entry.name, "rb") as data:
                _add(tar, _member(entry.name), data, at, entry.size)
    os.chmod(partial, 0o600)  # password hashes, key digests, sealed secrets: the owner's only
    os.replace(partial, out)


async def _dump(
    database: Database, session: Any, name: str, work: Path, indexes: list[Index]
) -> Entry:
    digest = hashlib.sha256()
    count = size = 0
    collection = database.get_collection(name, codec_options=RAW)
    with _create(work / name) as data:
        async for document in collection.find({}, session=session, batch_size=BATCH):
            raw = document.raw
            data.write(raw)
            digest.update(raw)
            count += 1
            size += len(raw)
    return Entry(name, count, digest.hexdigest(), size, indexes)


def _create(path: Path) -> IO[bytes]:
    return open(path, "wb")


def _add(tar: tarfile.TarFile, name: str, data: IO[bytes], at: dt.datetime, size: int = -1) -> None:
    info = tarfile.TarInfo(name)
    info.size = size if size >= 0 else len(data.getbuffer())  # type: ignore[attr-defined]
    info.mtime = int(at.timestamp())
    info.mode = 0o600
    tar.addfile(info, data)


# --------------------------------------------------------------------------- restore


def read_manifest(archive: Path) -> Manifest:
    """The archive's manifest, after checking every collection against it.

    Every member is read whole: its sha256, its size and its document count must be the
    manifest's, and every document must decode. Raises ``BadArchive`` otherwise.
    """
    with _open(archive) as tar:
        manifest = Manifest.from_json(_read(tar, MANIFEST))
        for entry in manifest.collections:
            digest = hashlib.sha256()
            count = size = 0
            for raw in _documents(tar, entry.name):
                digest.update(raw)
                count += 1
                size += len(raw)
            if (digest.hexdigest(), count, size) != (entry.sha256, entry.documents, entry.size):
                raise BadArchive(
                    f"collection {entry.name} does not match the manifest ({count} documents, "
                    f"{size} bytes, checksum {'ok' if digest.hexdigest() == entry.sha256 else 'differs'};"
                    f" expected {entry.documents} documents, {entry.size} bytes)"
                )
    return manifest


def _open(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except FileNotFoundError:
        raise BadArchive(f"no file {archive}") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadArchive(f"{archive} is not a readable archive ({exc})") from None


def _read(tar: tarfile.TarFile, name: str) -> bytes:
    try:
        member = tar.extractfile(name)
        if member is None:
            raise KeyError(name)
        return member.read()
    except KeyError:
        raise BadArchive(f"the archive has no {name}") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadArchive(f"{name} cannot be read from the archive ({exc})") from None


def _documents(tar: tarfile.TarFile, name: str) -> Iterator[bytes]:
    """The raw BSON documents of one collection's member, each checked to decode."""
    try:
        member = tar.extractfile(_member(name))
    except KeyError:
        member = None
    if member is None:
        raise BadArchive(f"the archive has no {_member(name)}")
    try:
        while head := member.read(4):
            length = int.from_bytes(head, "little")
            raw = head + member.read(max(length - 4, 0))
            if len(head) < 4 or length < 5 or len(raw) != length:
                raise BadArchive(f"collection {name} ends inside a document")
            try:
                bson.decode(raw)
            except (BSONError, ValueError) as exc:
                raise BadArchive(f"collection {name}: a damaged document ({exc})") from None
            yield raw
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadArchive(f"collection {name} cannot be read from the archive ({exc})") from None


async def occupied(database: Database) -> list[str]:
    """The collections of ``database`` that hold at least one document."""
    return [n for n in await _collections(database) if await database[n].find_one({}) is not None]


async def restore(database: Database, archive: Path, verified: Manifest | None = None) -> Manifest:
    """Load ``archive`` into the empty ``database``: verified first (unless ``verified``
    is its manifest from ``read_manifest``), then written."""
    manifest = verified or read_manifest(archive)
    full = await occupied(database)
    if full:
        raise NotEmpty(
            f"database {database.name} is not empty ({', '.join(full[:5])} hold documents); "
            "restore into a new database"
        )
    existing = set(await database.list_collection_names())
    with _open(archive) as tar:
        for entry in manifest.collections:
            collection = database.get_collection(entry.name, codec_options=RAW)
            # Indexes first: SecantusDB builds an index on existing documents slower than
            # it maintains one while inserting (bench/backup.py).
            models = [
                IndexModel(i.keys, **i.options)
                for i in entry.indexes
                if i.options.get("name") != "_id_"
            ]
            if models:
                await collection.create_indexes(models)
            elif entry.name not in existing:
                await database.create_collection(entry.name)
            batch: list[RawBSONDocument] = []
            for raw in _documents(tar, entry.name):
                batch.append(RawBSONDocument(raw))
                if len(batch) >= BATCH:
                    await collection.insert_many(batch, ordered=True)
                    batch = []
            if batch:
                await collection.insert_many(batch, ordered=True)
    return manifest
