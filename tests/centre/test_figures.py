"""Every live figure is the same on every surface: the API, the queue page, the wallboard
(its data and its page) and the SLA report — read from ``hub.centre.reports.live``.

Waiting is open, for people, unassigned and the customer wrote last: a business-initiated
conversation nobody has answered is not waiting.
"""

from __future__ import annotations

import datetime as dt
import re

import httpx

from hub.centre import changes
from hub.centre.reports import board, live
from hub.models import Conversation, Sender
from hub.pipeline import outbox
from hub.pipeline.services import Hub
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
