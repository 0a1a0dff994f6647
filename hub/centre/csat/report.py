"""CSAT figures for a period: answers, average rating and the spread of ratings.

Read from the ``csat`` facts (a bounded range of ``activity_events``), never the messages;
the figures are defined in ``hub.centre.reports.definitions`` (``csat``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import TypedDict

from beanie import PydanticObjectId

from hub.centre.reports import definitions
from hub.centre.sla.report import period
from hub.facts import activity
from hub.store import accounts as account_store

COLUMNS = ("rating", "answers")


class CsatComment(TypedDict):
    at: dt.datetime
    rating: object
    comment: object
    conversation_id: str


#: ``from`` is a keyword, hence the functional form.
CsatSummary = TypedDict(
    "CsatSummary",
    {
        "from": str,
        "to": str,
        "answers": int,
        "average": float | None,
        "ratings": dict[str, int],
        "comments": list[CsatComment],
    },
)


async def summary(
    account_id: PydanticObjectId, first: str | None = None, last: str | None = None
) -> CsatSummary:
    """``{"from", "to", "answers", "average", "ratings": {"1": n, …, "5": n}, "comments": [...]}``."""
    account = await account_store.get_account(account_id)
    tz = (account.timezone if account is not None else None) or "UTC"
    since, to, start, end = period(first, last, str(tz))
    facts = await activity.events_between(account_id, start, end, kinds=["csat"])
    comments: list[CsatComment] = []
    for fact in facts:
        if fact.data.get("comment"):
            comments.append(
                CsatComment(
                    at=fact.at,
                    rating=fact.data.get("rating"),
                    comment=fact.data["comment"],
                    conversation_id=str(fact.conversation_id),
                )
            )
    figures = definitions.csat(fact.data.get("rating") for fact in facts)
    return {
        "from": since.isoformat(),
        "to": to.isoformat(),
        "answers": figures.answers,
        "average": figures.average,
        "ratings": figures.ratings,
        "comments": comments[-50:],
    }


def as_csv(result: CsatSummary) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for rating, count in result["ratings"].items():
        writer.writerow([rating, count])
    return out.getvalue()
