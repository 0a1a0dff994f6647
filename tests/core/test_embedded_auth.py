"""The embedded database requires a user and password generated into the data directory, whose
files (the address file, the credentials, the database's own) are the hub's user's only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from hub.ops import embedded


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_embedded_database_needs_the_generated_credentials(tmp_path: Path) -> None:
    data = tmp_path / "var"
    server = embedded.start(data)
    try:
        port = int(server.uri.rsplit(":", 1)[1].split("/")[0])
        anonymous: MongoClient[dict[str, object]] = MongoClient(
            f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=5000
        )
        with pytest.raises(OperationFailure) as refused:
            anonymous.parley.probe.insert_one({"x": 1})
        assert refused.value.code == 13  # Unauthorized
        anonymous.close()
        trusted: MongoClient[dict[str, object]] = MongoClient(
            server.uri, serverSelectionTimeoutMS=5000
        )
        trusted.parley.probe.insert_one({"x": 1})
        trusted.close()

        assert _mode(data) == 0o700
        for name in ("db.json", "db.credentials", "db.log", "db.lock"):
            assert _mode(data / name) == 0o600, name
        assert _mode(data / "db") == 0o700
        assert all(_mode(p) & 0o077 == 0 for p in (data / "db").iterdir())
        password = (data / "db.credentials").read_text()
        assert password not in (data / "db.json").read_text()  # the address file holds no secret
        assert embedded.published(data) is not None
        assert embedded.published(data).uri == server.uri  # type: ignore[union-attr]
    finally:
        server.stop()
    # A restart keeps the same user and data.
    again = embedded.start(data)
    try:
        client: MongoClient[dict[str, object]] = MongoClient(
            again.uri, serverSelectionTimeoutMS=5000
        )
        assert client.parley.probe.count_documents({}) == 1
        client.close()
    finally:
        again.stop()
