"""The queue figures cost a fixed number of database commands, whatever the queue's length.

pymongo's command monitoring (``test_round_trips``'s listener: the request's own commands,
change-stream traffic aside) counts what ``GET /api/v1/queues``, ``/inbox/queues`` and the
wallboard (``/wallboard/board``, the page its stream refreshes) send while 10 customers
wait, and again while 1,000 do: the counts must be equal. The wallboard's figures are one
aggregate per queue (no conversation leaves the database), the API's one projected read
per queue in one reply (no ``getMore``), the queue page's that and one read of the first
``live.HEAD`` conversations by id; in the app, the process's kept queue order answers
after its first read (no command). The figures are checked against the filled queue too.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import httpx
from bson import ObjectId

from hub.centre.reports import live
from hub.contract import now
from hub.models import Conversation
from hub.pipeline.realtime import Event
from hub.pipeline.services import Hub
from tests.conftest import Clock, Running, Tenant, make_tenant
from tests.core.helpers import inbound_conversation, wait_for
from tests.core.test_round_trips import (  # noqa: F401  (fixtures)
    Commands,
    commands,
    connectors,
    counted,
    quiet,
    report,
)
from tests.inbox.conftest import add_user, session_client

SIZES = (10, 1_000)
#: Measured at 10 waiting (one team-less queue), warm: the process keeps the queue's
#: order, so the queue costs no command. Before: 11, 14 and 10 at 10 waiting, and one
#: ``getMore`` more on each at 1,000 (the whole queue read, 101 documents a first batch).
BASELINES = {"API queues": 10, "queue page": 14, "wallboard": 9}
#: The first API request of the process reads the queue's rows once (one projected
#: read; and the API key's first use is written).
COLD = 12
#: ``live.snapshot`` without kept orders (direct calls): the other figures' reads, plus
#: the queue's one aggregate, one projected read, or that and the head's conversations.
SNAPSHOT = {"figures": 8, "ids": 8, "conversations": 9}


async def _queue_of(hub: Hub, client: httpx.AsyncClient, name: str, waiting: int) -> Tenant:
    """An account whose queue without a team holds ``waiting`` conversations, the first
    opened by a real inbound message, the others its copies (one ``insert_many``), each
    waiting one second less than the one before; and a bot conversation, which never
    counts."""
    tenant = await make_tenant(hub, name)
    first = await inbound_conversation(client, tenant, "+4520123450", f"{name}-1")
    collection = Conversation.get_pymongo_collection()
    doc: dict[str, Any] | None = await collection.find_one({"_id": first.id})
    assert doc is not None and doc["waiting_since"] is not None
    start = now().replace(microsecond=0) - dt.timedelta(hours=2)
    await collection.update_one({"_id": first.id}, {"$set": {"waiting_since": start}})
    copies = [
        {
            **doc,
            "_id": ObjectId(),
            "contact_key": f"phone:+45201{n:05d}",
            "waiting_since": start + dt.timedelta(seconds=n),
            "handler": "bot" if n == waiting else "human",
        }
        for n in range(1, waiting + 1)
    ]
    seen: set[str] = set()

    def changed(event: Event) -> None:
        seen.add(str(event.data.get("_id")))

    # the process's kept order is kept only when no change of the account arrives while
    # it reads the queue: let the change stream deliver the copies first
    hub.realtime.listen(tenant.account.id, changed)
    await collection.insert_many(copies)

    async def delivered() -> bool:
        return str(copies[-1]["_id"]) in seen

    await wait_for(delivered, "the copies' change events")
    hub.realtime.unlisten(tenant.account.id, changed)
    return tenant


async def test_queue_figures_cost_the_same_at_10_and_1000_waiting(
    quiet: Running,  # noqa: F811
    commands: Commands,  # noqa: F811
    clock: Clock,
) -> None:
    hub, client = quiet.hub, quiet.client
    costs: dict[str, list[int]] = {}
    for size in SIZES:
        tenant = await _queue_of(hub, client, f"Size{size}", size)
        sue = await add_user(tenant, f"sue{size}@acme.test", "supervisor", "Sue")
        async with session_client(quiet, sue) as pages:
            requests = {
                "API queues": functools.partial(client.get, "/api/v1/queues", headers=tenant.auth),
                "queue page": functools.partial(pages.get, "/inbox/queues"),
                "wallboard": functools.partial(pages.get, "/wallboard/board"),
            }
            for what, request in requests.items():
                for n in range(2):  # the first reads the queue into the kept order
                    r = await counted(commands, hub, request)
                    assert r.status_code == 200, (what, r.text)
                    if what == "API queues" and n == 0:
                        report(f"first {what}, {size} waiting", commands, COLD)
                        assert commands.total() <= COLD, commands.counts
                        costs.setdefault("first API queues", []).append(commands.total())
                report(f"{what}, {size} waiting", commands, BASELINES[what])
                assert commands.total() <= BASELINES[what], commands.counts
                costs.setdefault(what, []).append(commands.total())
                if what == "API queues":
                    (row,) = r.json()["data"]
                    assert row["waiting"] == size == len(row["conversation_ids"])
                    assert row["longest_wait_seconds"] == 2 * 3600
                if what == "queue page":
                    assert r.text.count('class="conv ') == min(size, live.HEAD)
                    more = f"{size - live.HEAD} more waiting after these."
                    assert (more in r.text) == (size > live.HEAD), size
        for detail in ("figures", "ids", "conversations"):  # without a kept order
            await counted(commands, hub, functools.partial(live.snapshot, tenant.account, detail))
            report(f"snapshot({detail!r}) without kept orders", commands, SNAPSHOT[detail])
            assert commands.total() <= SNAPSHOT[detail], commands.counts
            costs.setdefault(detail, []).append(commands.total())
        (figures,) = await live.snapshot(tenant.account, "figures")
        (ids,) = await live.snapshot(tenant.account)
        assert figures.model_dump(exclude={"conversation_ids"}) == ids.model_dump(
            exclude={"conversation_ids"}
        )
        # 2 h for the first, a second less for each next: the average is exact
        assert figures.average_wait_seconds == int(2 * 3600 - (size - 1) / 2)
    for what, (small, large) in costs.items():
        assert small == large, (what, costs)
