"""The embedded server's clients write without retryable-write records: SecantusDB keeps
one per write and its cost per write grows with them (``docs/operations.md``, "Database
performance"), so the URI the hub uses for it says ``retryWrites=false``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pymongo import MongoClient, monitoring

from hub.ops import embedded


class Sent(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def test_writes_to_the_embedded_server_carry_no_transaction_number(tmp_path: Path) -> None:
    server = embedded.start(tmp_path / "var")
    try:
        assert "retryWrites=false" in server.uri
        assert embedded.published(tmp_path / "var").uri == server.uri  # type: ignore[union-attr]
        sent = Sent()
        client: MongoClient[dict[str, Any]] = MongoClient(
            server.uri, event_listeners=[sent], serverSelectionTimeoutMS=5000
        )
        with client:
            assert client.options.retry_writes is False
            client.parley.probe.insert_one({"x": 1})
            client.parley.probe.update_one({"x": 1}, {"$set": {"y": 2}})
        writes = [c for c in sent.commands if "insert" in c or "update" in c]
        assert len(writes) == 2
        assert all("txnNumber" not in c for c in writes), writes  # the server keeps no record
    finally:
        server.stop()
