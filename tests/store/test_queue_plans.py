"""The queue figures' queries read the queue's index range, not the account's history.

``hub.store.queues.waiting_stats`` (the wallboard's sums: one aggregate) and ``queue_rows``
(the API's and the queue page's rows: one projected find) are ``explain``ed on SecantusDB
with an account holding 3 waiting conversations beside resolved, assigned and bot ones:
each is an index scan of the queue index that examines the waiting entries only.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from beanie import PydanticObjectId
from pymongo.asynchronous.collection import AsyncCollection

from hub.models import Conversation
from hub.store import queues as queue_store
from tests.conftest import Running, Tenant
from tests.core.helpers import inbound_conversation

QUEUE_INDEX = "account_id_1_team_id_1_assignee_id_1_status_1_waiting_since_1"


def _plan(answer: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The winning plan and the execution stats of a find's or an aggregate's explain."""
    if "stages" in answer:  # an aggregate: its first stage is the cursor
        answer = answer["stages"][0]["$cursor"]
    return answer["queryPlanner"]["winningPlan"], answer["executionStats"]


async def _history(client: httpx.AsyncClient, tenant: Tenant) -> PydanticObjectId:
    """Six conversations: 3 waiting, then one resolved, one assigned, one with a bot."""
    made = [
        await inbound_conversation(client, tenant, f"+452012300{n}", f"q-{n}") for n in range(6)
    ]
    collection = Conversation.get_pymongo_collection()
    changes = [{"status": "resolved"}, {"assignee_id": "someone"}, {"handler": "bot"}]
    for conversation, change in zip(made[3:], changes, strict=True):
        await collection.update_one({"_id": conversation.id}, {"$set": change})
    assert tenant.account.id is not None
    return tenant.account.id


async def test_queue_sums_and_rows_read_the_queue_index(
    running: Running, client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = await _history(client, tenant)
    sent: list[dict[str, Any]] = []  # the commands as the store sends them
    find, aggregate = AsyncCollection.find, AsyncCollection.aggregate

    def found(self: AsyncCollection[Any], filter: Any = None, *args: Any, **kw: Any) -> Any:
        sent.append({"find": self.name, "filter": filter})
        return find(self, filter, *args, **kw)

    async def summed(self: AsyncCollection[Any], pipeline: Any, *args: Any, **kw: Any) -> Any:
        sent.append({"aggregate": self.name, "pipeline": pipeline, "cursor": {}})
        return await aggregate(self, pipeline, *args, **kw)

    monkeypatch.setattr(AsyncCollection, "find", found)
    monkeypatch.setattr(AsyncCollection, "aggregate", summed)
    stats = await queue_store.waiting_stats(account_id, None)
    rows = await queue_store.queue_rows(account_id, None)
    assert stats.waiting == 3 and len([r for r in rows if r.handler == "human"]) == 3
    people = [r.since for r in rows if r.since is not None and r.handler == "human"]
    assert stats == queue_store.WaitingStats.of(people)

    monkeypatch.undo()
    database = running.hub.database
    assert [next(iter(c)) for c in sent] == ["aggregate", "find"], sent
    for command in sent:
        plan, stats_ = _plan(await database.command("explain", command))
        assert plan["stage"] == "FETCH", plan
        assert plan["inputStage"]["stage"] == "IXSCAN", plan
        assert plan["inputStage"]["indexName"] == QUEUE_INDEX, plan
        # the bot's conversation waits too (dropped after); the others are not examined
        assert stats_["totalKeysExamined"] == 4, stats_
        assert stats_["totalDocsExamined"] == 4, stats_
