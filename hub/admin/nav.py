"""The admin's side navigation: ``(path, label)`` in order. Other parts append their pages
(teams, VIP list, SLA, retention, callbacks…) here and add their routes in ``routes()``."""

from __future__ import annotations

SECTIONS: list[tuple[str, str]] = [
    ("/admin", "Overview"),
    ("/admin/plan", "Plan and seats"),
    ("/admin/users", "Users"),
    ("/admin/channels", "Channels"),
    ("/admin/teams", "Teams and routing"),
    ("/admin/vip", "VIP list"),
    ("/admin/canned", "Canned answers"),
    ("/admin/settings", "Hours and CRM link"),
    ("/admin/keys", "API keys"),
    ("/admin/webhooks", "Webhooks"),
    ("/admin/bots", "Bots"),
    ("/admin/sla", "SLA policies"),
    ("/admin/csat", "Satisfaction survey"),
    ("/admin/retention", "Retention"),
    ("/admin/audit", "Audit log"),
    ("/admin/usage", "Usage and charges"),
]
