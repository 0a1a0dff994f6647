"""CSAT figures for a period: answers, average rating and the spread of ratings.

Read from the ``csat`` facts (a bounded range of ``activity_events``), never the messages.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from beanie import PydanticObjectId

from hub.centre.sla.report import period
from hub.facts import activity
from hub.models import Account

COLUMNS = ("rating", "answers")


async def summary(
    account_id: PydanticObjectId, first: str | None = None, last: str | None = None
) -> dict[str, Any]:
    """``{"from", "to", "answers", "average", "ratings": {"1": n, …, "5": n}, "comments": [...]}``."""
    raw = await Account.get_pymongo_collection().find_one({"_id": account_id}, {"timezone": 1})
    since, to, start, end = period(first, last, str((raw or {}).get("timezone") or "UTC"))
    facts = await activity.events_between(account_id, start, end, kinds=["csat"])
    ratings = {str(n): 0 for n in range(1, 6)}
    comments = []
    for fact in facts:
        rating = str(fact.data.get("rating"))
        if rating in ratings:
            ratings[rating] += 1
        if fact.data.get("comment"):
            comments.append(
                {
                    "at": fact.at,
                    "rating": fact.data.get("rating"),
                    "comment": fact.data["comment"],
                    "conversation_id": str(fact.conversation_id),
                }
            )
    answers = sum(ratings.values())
    total = sum(int(k) * v for k, v in ratings.items())
    return {
        "from": since.isoformat(),
        "to": to.isoformat(),
        "answers": answers,
        "average": round(total / answers, 2) if answers else None,
        "ratings": ratings,
        "comments": comments[-50:],
    }


def as_csv(result: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for rating, count in result["ratings"].items():
        writer.writerow([rating, count])
    return out.getvalue()
