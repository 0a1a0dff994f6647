"""Stream leases: which process holds a user's inbox streams open, and until when.

One document per (process, user) while the user has an inbox stream open on that
process (``hub.centre.routing.presence.Liveness``). The process renews all of its leases
with one write per heartbeat period; a closed last stream shortens the lease to the
grace period; a process that died leaves its leases to run out. ``offline`` is derived
from them: a user who held a lease and holds none that is still running is gone.
"""

from __future__ import annotations

import datetime as dt

import pymongo
from beanie import PydanticObjectId

from hub.models.base import TenantDocument


class StreamLease(TenantDocument):
    process: str
    user_id: PydanticObjectId
    until: dt.datetime

    class Settings:
        name = "stream_leases"
        indexes = [
            # hold/renew/release: the process's lease of a user (and all of a process's).
            pymongo.IndexModel([("process", 1), ("user_id", 1)], unique=True),
            # the presence time-outs: the leases of the available users.
            [("user_id", 1), ("until", 1)],
            # leases of dead processes are forgotten after a day.
            pymongo.IndexModel([("until", 1)], expireAfterSeconds=86_400),
        ]
