"""Every live figure is the same on every surface: the API, the queue page, the wallboard
(its data and its page) and the SLA report — read from ``hub.centre.reports.live``.

Waiting is open, for people, unassigned and the customer wrote last: a business-initiated
conversation nobody has answered is not waiting.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import httpx

from hub.centre import changes
from hub.centre.csat import answers as csat
from hub.centre.reports import board, live
from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.web import display
from tests.conftest import Clock, Running, Tenant, make_tenant
from tests.core.helpers import inbound_conversation
from tests.inbox.conftest import add_user, session_client

SHIPPED = "Order 17 has shipped."


def _figure(html: str, name: str) -> str:
    """The value a wallboard figure shows (``data-figure="name"``)."""
    found = re.search(rf'data-figure="{name}"[^>]*>\s*<dt>[^<]*</dt>\s*<dd[^>]*>([^<]*)</dd>', html)
    assert found, f"no {name} figure in the board"
    return found.group(1).strip()


async def _supervisor_day(client: httpx.AsyncClient, hub: Hub, clock: Clock) -> Tenant:
    """A PRO account: 3 customers waiting, one unanswered business message, one callback."""
    tenant = await make_tenant(hub, "Pro Co", plan="PRO")
    r = await client.post(
        "/api/v1/sla_policies",
        json={"name": "Standard", "first_response_minutes": 10},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    for n in range(3):
        await inbound_conversation(client, tenant, f"+452012345{n}", f"in-{n}")
    body = {"channel_id": str(tenant.channel.id), "to": "+4520123499", "text": SHIPPED}
    r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    start = clock.at
    r = await client.post(
        "/api/v1/callbacks",
        json={
            "phone": "+4520123488",
            "window": {
                "from": (start + dt.timedelta(hours=1)).isoformat(),
                "until": (start + dt.timedelta(hours=2)).isoformat(),
            },
        },
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    clock.advance(minutes=9)  # 90% of the 10 minutes: at risk, not breached
    return tenant


async def test_every_surface_says_three_waiting(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, running: Running
) -> None:
    tenant = await _supervisor_day(client, hub, clock)
    assert tenant.account.id is not None
    business = await Conversation.find_one(
        Conversation.account_id == tenant.account.id,
        Conversation.contact_key == "phone:+4520123499",
    )
    assert business is not None and business.waiting_since is None

    # The API.
    r = await client.get("/api/v1/queues", headers=tenant.auth)
    assert r.status_code == 200, r.text
    (row,) = r.json()["data"]
    assert row["team_id"] is None and row["waiting"] == 3
    assert str(business.id) not in row["conversation_ids"] and len(row["conversation_ids"]) == 3
    assert row["longest_wait_seconds"] == 9 * 60 and row["average_wait_seconds"] == 9 * 60
    assert set(row) == {
        "team_id",
        "name",
        "waiting",
        "longest_wait_seconds",
        "average_wait_seconds",
        "conversation_ids",
        "agents",
        "today",
        "callback_offer_active",
    }  # fmt: skip  (DESIGN.md's shape, exactly)

    # The wallboard's data.
    (figures,) = await board.board(tenant.account)
    assert figures.waiting == 3 and figures.longest_wait_seconds == 9 * 60
    assert figures.callbacks_waiting == 1 and figures.sla_at_risk == 3

    # The pages, signed in as a supervisor.
    sue = await add_user(tenant, "sue@pro.test", "supervisor", "Sue")
    async with session_client(running, sue) as pages:
        queue_page = await pages.get("/inbox/queues")
        assert queue_page.status_code == 200
        counts = re.findall(r'class="waiting-count">(\d+)<', queue_page.text)
        assert counts == ["3"], counts
        assert SHIPPED not in queue_page.text
        wall = await pages.get("/wallboard/board")
        assert wall.status_code == 200
        assert _figure(wall.text, "waiting") == "3"
        assert _figure(wall.text, "callbacks") == "1"  # no longer "—"
        assert _figure(wall.text, "sla-at-risk") == "3"

    # The SLA report.
    r = await client.get("/api/v1/reports/sla", headers=tenant.auth)
    assert r.status_code == 200, r.text
    at_risk = {(x["kind"], x["open_at_risk"]) for x in r.json()["rows"]}
    assert at_risk == {("first_response", 3)}
    assert await live.sla_at_risk_total(tenant.account) == 3


async def test_answers_and_automatic_messages_move_waiting(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, running: Running
) -> None:
    """A reply takes a conversation out of the waiting figures; an automatic message does
    not; the customer's answer to a business message makes it wait."""
    tenant = await _supervisor_day(client, hub, clock)
    assert tenant.account.id is not None
    first = await Conversation.find_one(
        Conversation.account_id == tenant.account.id,
        Conversation.contact_key == "phone:+4520123450",
    )
    assert first is not None
    system = Sender(type="system", name="Support")
    await outbox.enqueue(hub, first, text="We are closed", sender=system, metadata={"automatic": "out_of_office"})  # fmt: skip
    assert [q.waiting for q in await live.snapshot(tenant.account)] == [3]
    agent = Sender(type="agent", id="agent-1", name="Ann")
    await outbox.enqueue(hub, first, text="Hello!", sender=agent)
    (after,) = await live.snapshot(tenant.account)
    assert after.waiting == 2 and first.id not in after.conversation_ids
    assert after.sla_at_risk == 2  # the reply met its first response
    await inbound_conversation(client, tenant, "+4520123499", "answer-1")  # to "Order 17"
    (answered,) = await live.snapshot(tenant.account)
    assert answered.waiting == 3
    assert answered.longest_wait_seconds == 9 * 60  # the oldest customer still waits


async def test_callbacks_and_sla_per_team_and_account(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, other_tenant: Tenant
) -> None:
    """Another account's waiting customers, callbacks and clocks count nowhere here; on
    HUB the SLA figures are None (the board shows no SLA figure)."""
    tenant = await _supervisor_day(client, hub, clock)
    await inbound_conversation(client, other_tenant, "+4520123477", "other-1")
    (mine,) = await live.snapshot(tenant.account)
    assert (mine.waiting, mine.callbacks_waiting, mine.sla_at_risk) == (3, 1, 3)
    (theirs,) = await live.snapshot(other_tenant.account)
    assert (theirs.waiting, theirs.callbacks_waiting, theirs.sla_at_risk) == (1, 0, None)
    assert tenant.account.id is not None
    conv_id = (await live.snapshot(tenant.account))[0].conversation_ids[0]
    await changes.update_conversation(tenant.account.id, str(conv_id), {"status": "resolved"})
    (resolved,) = await live.snapshot(tenant.account)
    assert (resolved.waiting, resolved.sla_at_risk) == (2, 2)


# --------------------------------------------------------------------------- handling figures

TODAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
PERIOD = "from=2026-03-01&to=2026-03-02"


def _cells(html: str, user_id: str) -> list[str]:
    """The cells of one agent's row in the reports page's table."""
    row = re.search(rf'<tr data-user="{user_id}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {user_id}"
    return [c.strip() for c in re.findall(r"<td>([^<]*)</td>", row.group(1))]


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def _handling_day(client: httpx.AsyncClient, hub: Hub, tenant: Tenant, clock: Clock) -> dict[str, Any]:  # fmt: skip
    """Sunday 23:50 a customer writes, answered Monday 00:10. Monday: a conversation
    answered, transferred by Ann, taken over and resolved by Sue, rated 4; one unanswered."""
    assert tenant.account.id is not None
    ann = await add_user(tenant, "ann@acme.test", "agent", "Ann")
    bob = await add_user(tenant, "bob@acme.test", "agent", "Bob")
    sue = await add_user(tenant, "sue@acme.test", "supervisor", "Sue")

    async def change(conv: Conversation, fields: dict[str, Any], by: Any) -> None:
        actor = {"type": "user", "id": str(by.id)}
        assert tenant.account.id is not None
        await changes.update_conversation(tenant.account.id, str(conv.id), fields, actor)

    async def reply(conv: Conversation, by: Any) -> None:
        fresh = await Conversation.get(conv.id)
        assert fresh is not None
        await outbox.enqueue(hub, fresh, text="Hello", sender=Sender(type="agent", id=str(by.id), name=by.name))  # fmt: skip

    clock.set(TODAY - dt.timedelta(minutes=10))
    late = await inbound_conversation(client, tenant, "+4520000001", "late-1")
    clock.set(TODAY + dt.timedelta(minutes=5))
    await change(late, {"assignee_id": str(ann.id)}, sue)
    clock.set(TODAY + dt.timedelta(minutes=10))
    await reply(late, ann)  # answered today, but opened yesterday
    clock.set(TODAY + dt.timedelta(hours=9))
    rated = await inbound_conversation(client, tenant, "+4520000002", "rated-1")
    clock.advance(minutes=1)
    await change(rated, {"assignee_id": str(ann.id)}, sue)
    clock.advance(minutes=2)
    await reply(rated, ann)  # first response 180 s
    clock.advance(minutes=1)
    await change(rated, {"assignee_id": str(bob.id)}, ann)  # Ann's transfer
    clock.advance(minutes=2)
    await change(rated, {"assignee_id": str(sue.id)}, sue)  # taken over: nobody's transfer
    clock.advance(minutes=4)
    await change(rated, {"status": "resolved"}, sue)  # Sue's handle time 240 s
    stored = await Conversation.get(rated.id)
    assert stored is not None
    await csat.store_rating(tenant.account.id, stored, 4, "Quick", clock.advance(seconds=5))
    clock.advance(minutes=10)
    await inbound_conversation(client, tenant, "+4520000003", "open-1")  # nobody answers
    clock.advance(minutes=5)
    return {"ann": ann, "bob": bob, "sue": sue, "rated": rated}


async def test_handling_figures_agree_on_every_surface(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, clock: Clock, running: Running
) -> None:
    """Answered today, handled, answer rate, first response, handle time, transfers and
    CSAT: the same number from the API (JSON and CSV), the reports page and its CSVs, the
    wallboard's data and page, the queues API and the CSAT page and its CSV."""
    day = await _handling_day(client, hub, tenant, clock)
    sue = day["sue"]

    # Answered / unanswered today: counted by the opening, not by the reply.
    (board_row,) = await board.board(tenant.account)
    assert (board_row.answered_today, board_row.unanswered_today) == (1, 1)
    r = await client.get("/api/v1/queues", headers=tenant.auth)
    assert r.json()["data"][0]["today"] == {"answered": 1, "unanswered": 1}
    r = await client.get(f"/api/v1/reports/summary?{PERIOD}", headers=tenant.auth)
    points = {p["start"]: p for p in r.json()["data"]}
    assert points["2026-03-02"]["answered"] == 1 and points["2026-03-02"]["opened"] == 2
    assert points["2026-03-01"] == {
        "start": "2026-03-01",
        "opened": 1,
        "resolved": 0,
        "answered": 1,
        "median_first_response_seconds": 1200.0,
    }  # fmt: skip  (answered the next day: still Sunday's opening)
    assert points["2026-03-02"]["median_first_response_seconds"] == 180.0

    # The agent table: API JSON and CSV.
    r = await client.get(f"/api/v1/reports/agents?{PERIOD}", headers=tenant.auth)
    rows = {row["name"]: row for row in r.json()["data"]}
    assert (rows["Ann"]["assigned"], rows["Ann"]["handled"], rows["Ann"]["answer_rate"]) == (2, 2, 1.0)  # fmt: skip
    assert rows["Ann"]["avg_first_response_seconds"] == (1200 + 180) / 2
    assert rows["Ann"]["transfers_out"] == 1 and rows["Bob"]["transfers_out"] == 0
    assert rows["Bob"]["answer_rate"] == 0.0 and rows["Sue"]["avg_handle_seconds"] == 240.0
    r = await client.get(f"/api/v1/reports/agents?{PERIOD}&format=csv", headers=tenant.auth)
    api_csv = {row["name"]: row for row in _table(r.text)}

    # Conversations: one transfer (the take-over is none), rated 4.
    r = await client.get(f"/api/v1/reports/conversations?{PERIOD}", headers=tenant.auth)
    by_id = {row["id"]: row for row in r.json()["data"]}
    rated = by_id[str(day["rated"].id)]
    assert (rated["transfers"], rated["csat"], rated["first_response_seconds"]) == (1, 4, 180.0)
    assert sum(row["transfers"] for row in by_id.values()) == sum(
        row["transfers_out"] for row in rows.values()
    )

    async with session_client(running, sue) as pages:
        page = await pages.get(f"/inbox/reports?{PERIOD}")
        assert page.status_code == 200
        for name in ("Ann", "Bob", "Sue"):
            row, cells = rows[name], _cells(page.text, rows[name]["user_id"])
            assert cells[0] == str(row["assigned"]) and cells[1] == str(row["handled"])
            assert cells[3] == display.duration(row["avg_first_response_seconds"])
            assert cells[4] == display.duration(row["avg_handle_seconds"])
            assert cells[5] == str(row["transfers_out"])
            assert cells[6] == str(row["outgoing_messages"])
        page_csv = {row["name"]: row for row in _table((await pages.get(f"/inbox/reports/agents.csv?{PERIOD}")).text)}  # fmt: skip
        assert page_csv == api_csv and api_csv["Ann"]["answer_rate"] == "1.0"
        summary_csv = _table((await pages.get(f"/inbox/reports/summary.csv?{PERIOD}")).text)
        assert [int(p["answered"]) for p in summary_csv] == [1, 1]
        conversations_csv = _table((await pages.get(f"/inbox/reports/conversations.csv?{PERIOD}")).text)  # fmt: skip
        assert {row["id"]: row["transfers"] for row in conversations_csv}[str(day["rated"].id)] == "1"  # fmt: skip
        wall = await pages.get("/wallboard/board")
        assert (_figure(wall.text, "answered"), _figure(wall.text, "unanswered")) == ("1", "1")
        csat_page = await pages.get(f"/inbox/reports/csat?{PERIOD}")
        assert "4 / 5 average from 1 answer" in re.sub(r"<[^>]+>", "", csat_page.text)
        csat_csv = dict(csv.reader(io.StringIO((await pages.get(f"/inbox/reports/csat?{PERIOD}&format=csv")).text)))  # fmt: skip
        assert csat_csv["4"] == "1" and sum(int(v) for k, v in csat_csv.items() if k != "rating") == 1  # fmt: skip


# --------------------------------------------------------------------------- business openings


async def test_a_business_opening_counts_from_the_customers_first_answer(
    client: httpx.AsyncClient, hub: Hub, tenant: Tenant, clock: Clock
) -> None:
    """A business-initiated conversation is neither answered nor unanswered until the
    customer writes; then its SLA clocks start and its first response counts from the
    customer's first message, the same on the wallboard, the queues and the reports."""
    tenant = await make_tenant(hub, "Pro Co", plan="PRO")
    assert tenant.account.id is not None
    r = await client.post("/api/v1/sla_policies", json={"name": "P", "first_response_minutes": 10}, headers=tenant.auth)  # fmt: skip
    assert r.status_code == 201, r.text
    clock.set(TODAY + dt.timedelta(hours=9))
    for to in ("+4520123499", "+4520123498"):
        body = {"channel_id": str(tenant.channel.id), "to": to, "text": SHIPPED}
        r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
        assert r.status_code == 202, r.text
    shipped = await Conversation.find_one(
        Conversation.account_id == tenant.account.id,
        Conversation.contact_key == "phone:+4520123499",
    )
    assert shipped is not None and shipped.sla is None

    async def today() -> tuple[int, int, int]:
        (queue,) = await live.snapshot(tenant.account)
        r = await client.get("/api/v1/reports/summary?from=2026-03-02&to=2026-03-02", headers=tenant.auth)  # fmt: skip
        (point,) = r.json()["data"]
        assert point["opened"] - point["answered"] == queue.today.unanswered
        assert point["answered"] == queue.today.answered
        return queue.today.answered, queue.today.unanswered, queue.waiting

    assert await today() == (0, 0, 0)  # nobody asked anything: not unanswered
    clock.advance(minutes=30)
    asked = await inbound_conversation(client, tenant, "+4520123499", "where-1")
    assert asked.id == shipped.id and asked.sla is not None
    assert asked.sla["first_response_due_at"] == clock.at + dt.timedelta(minutes=10)
    assert await today() == (0, 1, 1)
    clock.advance(minutes=5)
    await outbox.enqueue(hub, asked, text="Tomorrow", sender=Sender(type="agent", id="agent-1", name="Ann"))  # fmt: skip
    assert await today() == (1, 0, 0)
    answered = await Conversation.get(shipped.id)
    assert answered is not None and answered.first_response_seconds == 300.0
    assert answered.sla is not None and not answered.sla.get("breaches")
    r = await client.get("/api/v1/reports/conversations?from=2026-03-02&to=2026-03-02", headers=tenant.auth)  # fmt: skip
    rows = {row["id"]: row for row in r.json()["data"]}
    assert len(rows) == 2  # both business openings have their row
    assert rows[str(shipped.id)]["first_response_seconds"] == 300.0
    assert rows[str(shipped.id)]["opened_at"] == "2026-03-02T09:00:00+00:00"
