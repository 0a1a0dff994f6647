"""Leases: one document per job in ``leases``, so that only one process runs a round of it.

A lease's ``_id`` names the job. ``hub.tasks.Periodic`` takes one round at a time with
``take_round``; the daily retention purge keeps its own lease (``done``: the last day run).
"""

from __future__ import annotations

import datetime as dt

from pymongo.errors import DuplicateKeyError

from hub.models import Lease

# ---- added by tasks


async def take_round(job: str, owner: str, at: dt.datetime, length: dt.timedelta) -> bool:
    """Take ``job`` for ``owner`` from ``at`` for ``length``; False while another round holds it.

    Runs across accounts by nature (a job is the whole hub's). One conditional upsert by
    ``_id``: the lease is free when it ran out (or never existed); when it is held, the
    upsert's insert collides with the held document and the round is not ours.
    """
    try:
        await Lease.get_pymongo_collection().find_one_and_update(
            {"_id": job, "until": {"$lte": at}},
            {"$set": {"owner": owner, "until": at + length}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False
    return True
