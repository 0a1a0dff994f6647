"""The board's and the reports' queries use the indexes meant for them (SecantusDB's planner),
and the wallboard's stream wakes only for changes that move a figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hub.models import ActivityEvent, Conversation
from hub.pipeline.realtime import Event
from hub.store.queues import waiting_filter
from hub.wallboard.events import moves_board
from tests.conftest import Tenant

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def _index(plan: dict[str, Any]) -> str:
    stage = plan["queryPlanner"]["winningPlan"]
    while "inputStage" in stage and stage.get("stage") != "IXSCAN":
        stage = stage["inputStage"]
    return str(stage.get("indexName", stage.get("stage")))


async def test_the_waiting_set_is_an_index_read(tenant: Tenant) -> None:
    assert tenant.account.id is not None
    query = waiting_filter(tenant.account.id, None)
    plan = await Conversation.get_pymongo_collection().find(query).explain()
    assert _index(plan) == "account_id_1_team_id_1_assignee_id_1_status_1_waiting_since_1"


async def test_report_reads_are_bounded_index_ranges(tenant: Tenant) -> None:
    collection = ActivityEvent.get_pymongo_collection()
    period = {"$gte": START, "$lt": END}
    by_kind = {"account_id": tenant.account.id, "kind": "opened", "at": period}
    assert _index(await collection.find(by_kind).explain()) == "account_id_1_kind_1_at_1"
    all_kinds = {"account_id": tenant.account.id, "at": period}
    assert _index(await collection.find(all_kinds).explain()) == "account_id_1_at_1"


def test_the_stream_wakes_for_figures_only() -> None:
    def event(type_: str, *changed: str) -> Event:
        return Event(type_, None, {}, changed=changed)

    assert moves_board(event("conversation.created"))
    assert moves_board(event("conversation.updated", "assignee_id", "updated_at"))
    assert not moves_board(event("conversation.updated", "unread", "updated_at"))
    assert moves_board(event("user.updated", "presence"))
    assert not moves_board(event("user.updated", "last_seen_at"))
    assert not moves_board(event("message.created"))
    assert moves_board(event("callback.created"))  # callbacks waiting
    assert moves_board(event("callback.updated", "status"))
    assert not moves_board(event("callback.updated", "last_note"))
    assert moves_board(event("conversation.updated", "sla_breached_at"))
