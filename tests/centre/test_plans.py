"""The contact centre's hot queries use their indexes on SecantusDB (checked with ``explain``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from beanie import PydanticObjectId

from hub.models import Conversation, User
from hub.pipeline.services import Hub
from hub.store.queues import waiting_filter


def _index(plan: dict[str, Any]) -> str:
    stage = plan["queryPlanner"]["winningPlan"]
    while "inputStage" in stage:
        if stage.get("stage") == "IXSCAN":
            break
        stage = stage["inputStage"]
    return str(stage.get("indexName", stage.get("stage")))


async def test_queue_load_presence_and_calendar_reads_use_indexes(hub: Hub) -> None:
    account = PydanticObjectId()
    docs = [
        {
            "account_id": account, "channel_id": account, "contact_key": f"phone:{i}",
            "thread_key": "current", "team_id": "t", "status": "open", "handler": "human",
            "assignee_id": None if i % 2 else "u1", "last_message_at": None,
            # the customer wrote last in half of the unassigned ones: only those wait
            "waiting_since": dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if i % 4 == 1 else None,
        }
        for i in range(40)
    ]  # fmt: skip
    conversations = Conversation.get_pymongo_collection()
    await conversations.insert_many(docs)
    team = "t"  # a team reference as conversations keep it
    plan = await conversations.find(waiting_filter(account, team)).explain()  # type: ignore[arg-type]
    assert _index(plan) == "account_id_1_team_id_1_assignee_id_1_status_1_waiting_since_1"
    assert plan["executionStats"]["totalDocsExamined"] == 10
    load = {"account_id": account, "assignee_id": "u1", "status": {"$in": ["open", "pending"]}}
    assert _index(await conversations.find(load).explain()).startswith(
        "account_id_1_assignee_id_1_status_1"
    )
    users = User.get_pymongo_collection()
    assert _index(await users.find({"presence": "available"}).explain()).startswith("presence_1")
    calendar = await users.find({"calendar_url": {"$gt": ""}}).explain()
    assert _index(calendar) == "calendar_url_1"
