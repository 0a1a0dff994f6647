"""What a running ``parley serve`` publishes in the data directory (``hub.json``): where it
listens, its public URL and its SMTP address, so commands on the same directory act as it does."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from hub.settings import Settings

MARKER = "hub.json"


def _published(settings: Settings) -> dict[str, Any]:
    """What the local ``parley serve`` published in the data directory ({} when none runs)."""
    try:
        found = json.loads((settings.data_dir / MARKER).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return found if isinstance(found, dict) and _alive(found.get("pid")) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_hub_url(settings: Settings) -> str:
    """Where the local ``parley serve`` listens (published in the data directory)."""
    return str(_published(settings).get("url") or settings.public_url)


def as_running(settings: Settings) -> Settings:
    """``settings`` with the running hub's public URL and SMTP address, so what a command
    prints (a channel's webhook URL, the mail address to send to) is what that hub serves."""
    found = _published(settings)
    changes: dict[str, Any] = {}
    if found.get("public_url") and "PARLEY_PUBLIC_URL" not in os.environ:
        changes["public_url"] = str(found["public_url"])
    if isinstance(found.get("smtp_port"), int):
        changes["smtp_port"] = found["smtp_port"]
        changes["smtp_host"] = str(found.get("smtp_host") or settings.smtp_host)
    return dataclasses.replace(settings, **changes) if changes else settings


def publish(settings: Settings, url: str) -> bool:
    """Publish this ``serve`` unless another live one on the data directory already has."""
    if _published(settings):
        return False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    (settings.data_dir / MARKER).write_text(
        json.dumps(
            {
                "url": url,
                "pid": os.getpid(),
                "public_url": settings.public_url,
                "smtp_host": settings.smtp_host,
                "smtp_port": settings.smtp_port,
            }
        )
    )
    return True


def unpublish(settings: Settings) -> None:
    """Remove the marker only if it is this process's: a second ``serve`` stopping leaves the
    first one's address in place."""
    path = settings.data_dir / MARKER
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (FileNotFoundError, ValueError, AttributeError):
        pass


# --------------------------------------------------------------------------- serve
