"""The admin's side navigation: ``(path, label)`` in order."""

from __future__ import annotations

SECTIONS: list[tuple[str, str]] = [
    ("/admin/sla", "SLA policies"),
    ("/admin/csat", "Satisfaction survey"),
]
