"""The app a crash test runs in a child process: ``uvicorn --factory tests.core.crash_app:app``."""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette

from hub.app import create_app
from hub.settings import Settings
from tests.fakes import EchoConnector


def settings() -> Settings:
    return Settings(
        data_dir=Path(os.environ["CRASH_DATA_DIR"]),
        mongodb_uri=os.environ["CRASH_MONGODB_URI"],
        database="crash",
        secret_key="crash-secret",
        outbox_base_backoff=30.0,
        outbound_allow=("127.0.0.1/32",),  # the provider stand-in's (unreachable) address
    )


def app() -> Starlette:
    return create_app(settings(), connectors={"test": EchoConnector})
