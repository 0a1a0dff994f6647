"""The admin navigation: ``(path, label)`` for each section, in order; pages append theirs."""

from __future__ import annotations

SECTIONS: list[tuple[str, str]] = [
    ("/admin/teams", "Teams and routing"),
    ("/admin/vip", "VIP list"),
]
