"""The SLA report (PRO): met and breached per policy and clock for a period, and open at risk.

Met and breached come from the ``sla_met`` and ``sla_breached`` facts (a bounded range
read of ``activity_events``); "open at risk" from the conversations whose
``sla_risk_at`` has passed (the (account, sla_risk_at) index). Never the message history.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId

from hub.centre.sla import clocks as sla
from hub.contract import now
from hub.errors import InvalidInput as InvalidChange
from hub.facts import activity
from hub.models import Account, Conversation, SlaPolicy

COLUMNS = ("policy_id", "policy_name", "kind", "met", "breached", "open_at_risk")
#: The longest period one report covers.
MAX_DAYS = 366


def _zone(name: Any) -> ZoneInfo:
    try:
        return ZoneInfo(str(name or "UTC"))
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def period(
    first: str | None, last: str | None, tz: str = "UTC"
) -> tuple[dt.date, dt.date, dt.datetime, dt.datetime]:
    """``from``/``to`` (``YYYY-MM-DD`` in ``tz``, both inclusive; default the last 7 days)
    as dates and as the UTC range [start, end)."""
    zone = _zone(tz)
    today = now().astimezone(zone).date()
    try:
        to = dt.date.fromisoformat(last) if last else today
    except ValueError:
        raise InvalidChange("invalid_to", "to: give a date as YYYY-MM-DD") from None
    try:
        since = dt.date.fromisoformat(first) if first else to - dt.timedelta(days=6)
    except ValueError:
        raise InvalidChange("invalid_from", "from: give a date as YYYY-MM-DD") from None
    if since > to:
        raise InvalidChange("invalid_from", "from: must not be after to")
    if (to - since).days >= MAX_DAYS:
        raise InvalidChange("invalid_from", f"from: a report covers at most {MAX_DAYS} days")
    start = dt.datetime.combine(since, dt.time(0), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(to + dt.timedelta(days=1), dt.time(0), zone).astimezone(dt.UTC)
    return since, to, start, end


async def report(
    account_id: PydanticObjectId, first: str | None = None, last: str | None = None
) -> dict[str, Any]:
    """``{"from", "to", "rows": [{policy_id, policy_name, kind, met, breached, open_at_risk}]}``."""
    account = await Account.get(account_id)
    assert account is not None
    sla.require_sla(account.plan)
    raw = await Account.get_pymongo_collection().find_one({"_id": account_id}, {"timezone": 1})
    since, to, start, end = period(first, last, str((raw or {}).get("timezone") or "UTC"))
    policies = await SlaPolicy.find({"account_id": account_id}).to_list()
    names = {str(p.id): p.name for p in policies}
    rows: dict[tuple[str, str], dict[str, Any]] = {}

    def row(policy_id: str, kind: str) -> dict[str, Any]:
        key = (policy_id, kind)
        if key not in rows:
            name = names.get(policy_id, "(deleted policy)")
            rows[key] = dict(zip(COLUMNS, (policy_id, name, kind, 0, 0, 0), strict=True))
        return rows[key]

    for policy in policies:  # a row for every target a policy sets, even with no facts yet
        for kind in sla.KINDS:
            if getattr(policy, f"{kind}_minutes"):
                row(str(policy.id), kind)
    for event in await activity.events_between(
        account_id, start, end, kinds=["sla_met", "sla_breached"]
    ):
        target = row(str(event.data.get("policy_id")), str(event.data.get("kind")))
        target["met" if event.kind == "sla_met" else "breached"] += 1
    at = now()
    risky = Conversation.get_pymongo_collection().find(
        {"account_id": account_id, "sla_risk_at": {"$gte": sla.FLOOR, "$lte": at}}, {"sla": 1}
    )
    async for doc in risky:
        state = doc.get("sla") or {}
        for kind in sla.running(state):
            risk = state.get("risk", {}).get(kind)
            if risk is not None and risk <= at:
                row(str(state.get("policy_id")), kind)["open_at_risk"] += 1
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            r["policy_name"],
            sla.KINDS.index(r["kind"]) if r["kind"] in sla.KINDS else 9,
        ),
    )
    return {"from": since.isoformat(), "to": to.isoformat(), "rows": ordered}


def as_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in result["rows"]:
        writer.writerow([r[c] for c in COLUMNS])
    return out.getvalue()
