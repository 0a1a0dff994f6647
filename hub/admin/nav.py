"""The admin's side navigation: ``(path, label)`` in order. Other parts append their pages
(teams, VIP list, SLA, retention, callbacks…) here and add their routes in ``routes()``."""

from __future__ import annotations

from hub.web.i18n import N_

SECTIONS: list[tuple[str, str]] = [
    ("/admin", N_("Overview")),
    ("/admin/plan", N_("Plan and seats")),
    ("/admin/users", N_("Users")),
    ("/admin/channels", N_("Channels")),
    ("/admin/teams", N_("Teams and routing")),
    ("/admin/vip", N_("VIP list")),
    ("/admin/canned", N_("Canned answers")),
    ("/admin/labels", N_("Labels")),
    ("/admin/settings", N_("Hours and CRM link")),
    ("/admin/keys", N_("API keys")),
    ("/admin/webhooks", N_("Webhooks")),
    ("/admin/bots", N_("Bots")),
    ("/admin/sla", N_("SLA policies")),
    ("/admin/csat", N_("Satisfaction survey")),
    ("/admin/assist", N_("Assist (AI)")),
    ("/admin/retention", N_("Retention")),
    ("/admin/audit", N_("Audit log")),
    ("/admin/usage", N_("Usage and charges")),
]
