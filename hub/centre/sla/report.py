"""The SLA report (PRO): met and breached per policy and clock for a period, and open at risk.

Met and breached come from the ``sla_met`` and ``sla_breached`` facts (a bounded range
read of ``activity_events``); "open at risk" from the conversations whose
``sla_risk_at`` has passed (the (account, sla_risk_at) index). Never the message history.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

from beanie import PydanticObjectId

from hub.centre.sla.matching import require_sla
from hub.centre.sla.state import at_risk
from hub.contract import now
from hub.errors import InvalidInput as InvalidChange
from hub.errors import NotFound
from hub.facts import activity
from hub.models.sla_clocks import SLA_KINDS
from hub.store import accounts as account_store
from hub.store import sla as store

COLUMNS = ("policy_id", "policy_name", "kind", "met", "breached", "open_at_risk")
#: The longest period one report covers.
MAX_DAYS = 366


class SlaReportRow(TypedDict):
    policy_id: str
    policy_name: str
    kind: str
    met: int
    breached: int
    open_at_risk: int


#: ``from`` is a keyword, hence the functional form.
SlaReport = TypedDict("SlaReport", {"from": str, "to": str, "rows": list[SlaReportRow]})

_Count = Literal["met", "breached", "open_at_risk"]


def _zone(name: object) -> ZoneInfo:
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
) -> SlaReport:
    """``{"from", "to", "rows": [{policy_id, policy_name, kind, met, breached, open_at_risk}]}``."""
    account = await account_store.get_account(account_id)
    if account is None:
        raise NotFound(str(account_id))
    require_sla(account.plan)
    since, to, start, end = period(first, last, str(account.timezone or "UTC"))
    policies = await store.list_policies(account_id, oldest_first=False)
    names = {str(p.id): p.name for p in policies}
    rows: dict[tuple[str, str], SlaReportRow] = {}

    def row(policy_id: str, kind: str) -> SlaReportRow:
        key = (policy_id, kind)
        if key not in rows:
            name = names.get(policy_id, "(deleted policy)")
            rows[key] = SlaReportRow(
                policy_id=policy_id,
                policy_name=name,
                kind=kind,
                met=0,
                breached=0,
                open_at_risk=0,
            )
        return rows[key]

    for policy in policies:  # a row for every target a policy sets, even with no facts yet
        for kind in SLA_KINDS:
            if getattr(policy, f"{kind}_minutes"):
                row(str(policy.id), kind)
    for event in await activity.events_between(
        account_id, start, end, kinds=["sla_met", "sla_breached"]
    ):
        target = row(str(event.data.get("policy_id")), str(event.data.get("kind")))
        count: _Count = "met" if event.kind == "sla_met" else "breached"
        target[count] += 1
    at = now()
    for risky in await store.at_risk_clocks(account_id, at):  # the wallboard's read too
        for kind in at_risk(risky.clocks, at):
            row(str(risky.clocks.policy_id), kind)["open_at_risk"] += 1
    ordered = sorted(
        rows.values(),
        key=lambda r: (
            r["policy_name"],
            SLA_KINDS.index(r["kind"]) if r["kind"] in SLA_KINDS else 9,
        ),
    )
    return {"from": since.isoformat(), "to": to.isoformat(), "rows": ordered}


def as_csv(result: SlaReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in result["rows"]:
        writer.writerow(
            [
                r["policy_id"],
                r["policy_name"],
                r["kind"],
                r["met"],
                r["breached"],
                r["open_at_risk"],
            ]
        )
    return out.getvalue()
