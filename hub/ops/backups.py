"""``parley backup`` and ``parley restore``: the CLI's side of ``hub.store.backup``."""

from __future__ import annotations

import argparse
import importlib.metadata
import time
from pathlib import Path
from typing import Any

from hub.contract import now
from hub.ops.connection import open_database, open_hub
from hub.settings import Settings
from hub.store import backup, migrations


def hub_version() -> str:
    try:
        return importlib.metadata.version("parley-hub")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


async def run_backup(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    started = time.monotonic()
    out = Path(args.out)
    async with open_hub(settings) as hub:  # migrates first: the archive has today's shapes
        version = await migrations.stored_version(hub.database)
        try:
            manifest = await backup.backup(
                hub.database, out, migrations.CURRENT if version is None else version,
                hub_version(), now(),
            )  # fmt: skip
        except OSError as exc:  # the directory is missing, not writable, the disk full
            raise backup.BackupFailed(f"cannot write {out}: {exc.strerror or exc}") from None
    return {
        "file": str(out),
        "collections": len(manifest.collections),
        "documents": manifest.documents,
        "bytes": sum(e.size for e in manifest.collections),
        "schema_version": manifest.schema_version,
        "seconds": round(time.monotonic() - started, 3),
    }


async def run_restore(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    started = time.monotonic()
    archive = Path(args.source)
    manifest = backup.read_manifest(archive)  # every checksum, before a connection
    if manifest.schema_version > migrations.CURRENT:
        raise migrations.SchemaNewer(manifest.schema_version)
    async with open_database(settings) as database:
        await backup.restore(database, archive, manifest)
    async with open_hub(settings) as hub:  # indexes as this hub declares them; migrations
        version = await migrations.stored_version(hub.database)
    return {
        "file": str(archive),
        "collections": len(manifest.collections),
        "documents": manifest.documents,
        "schema_version": manifest.schema_version,
        "migrated_to": version,
        "seconds": round(time.monotonic() - started, 3),
    }
