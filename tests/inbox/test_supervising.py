"""Whisper, take-over, typing, the monitor, the reports page and the wallboard, through the pages.

Real database and app; clients signed in as agent, other agent, supervisor, admin
and a wall screen (``dashboard``). Another account's ids answer 404; agents get a
403 page on supervisor pages.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.centre import supervising
from hub.inbox import events
from hub.integrations import event_webhooks
from hub.models import ActivityEvent, Conversation, Message, Sender, User
from hub.pipeline.realtime import Event
from hub.store import conversations
from tests.conftest import Clock, Running, Tenant
from tests.inbox.conftest import add_user, csrf_of, post_inbound, session_client


@pytest.fixture
async def people(running: Running, tenant: Tenant) -> AsyncIterator[dict[str, Any]]:
    users = {
        "agent": await add_user(tenant, "agnes@acme.test", "agent", "Agnes"),
        "other": await add_user(tenant, "otto@acme.test", "agent", "Otto"),
        "sup": await add_user(tenant, "sue@acme.test", "supervisor", "Sue"),
        "admin": await add_user(tenant, "ada@acme.test", "admin", "Ada"),
        "wall": await add_user(tenant, "wall@acme.test", "dashboard", "Wall"),
    }
    clients = {name: session_client(running, user) for name, user in users.items()}
    yield {"users": users, "clients": clients}
    for client in clients.values():
        await client.aclose()


async def _assigned_conversation(
    client: httpx.AsyncClient, tenant: Tenant, agent: User
) -> Conversation:
    assert tenant.account.id is not None
    await post_inbound(client, tenant, "w1", "+4550", "Where is my order?")
    found = await Conversation.find_one(Conversation.account_id == tenant.account.id)
    assert found is not None
    return await conversations.update_conversation(
        tenant.account.id, str(found.id), {"assignee_id": str(agent.id)}
    )


async def _post(client: httpx.AsyncClient, url: str, data: dict[str, str]) -> httpx.Response:
    page = await client.get("/inbox")
    token = csrf_of(page.text) if page.status_code == 200 else ""
    return await client.post(url, data={**data, "csrf": token}, headers={"X-CSRF-Token": token})


async def _csrf(client: httpx.AsyncClient, url: str) -> str:
    return csrf_of((await client.get(url)).text)


async def test_whisper_reaches_only_assignee_and_supervisors(
    client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any]
) -> None:
    c = people["clients"]
    conv = await _assigned_conversation(client, tenant, people["users"]["agent"])
    url = f"/inbox/c/{conv.id}"
    token = await _csrf(c["sup"], url)
    r = await c["sup"].post(
        f"{url}/reply", data={"kind": "whisper", "text": "Offer the refund", "csrf": token}
    )
    assert r.status_code == 200, r.text
    assert "Offer the refund" in (await c["agent"].get(url)).text
    assert "Offer the refund" in (await c["admin"].get(url)).text
    other_page = await c["other"].get(url)
    assert other_page.status_code == 200 and "Offer the refund" not in other_page.text
    # Other agents' searches do not find it by its words either.
    assert str(conv.id) not in (await c["other"].get("/inbox?q=refund")).text
    stored = await Message.find_one(Message.conversation_id == conv.id, Message.private == True)  # noqa: E712
    assert stored is not None and stored.visibility == "whisper"
    assert stored.delivery == "sent" and stored.outbox_due is None  # never sent
    assert stored.metadata["whisper_to"] == str(people["users"]["agent"].id)
    r = await client.get(f"/api/v1/conversations/{conv.id}/messages", headers=tenant.auth)
    assert [m["visibility"] for m in r.json()["data"]] == ["public", "whisper"]
    event = Event("message.created", tenant.account.id, stored.model_dump(by_alias=True))
    assert await event_webhooks._targets(event) == []


async def test_an_agent_cannot_whisper(
    client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any]
) -> None:
    conv = await _assigned_conversation(client, tenant, people["users"]["agent"])
    url = f"/inbox/c/{conv.id}"
    token = await _csrf(people["clients"]["other"], url)
    r = await people["clients"]["other"].post(
        f"{url}/reply", data={"kind": "whisper", "text": "psst", "csrf": token}
    )
    assert r.status_code == 422 and "supervisor" in r.text
    assert await Message.find(Message.conversation_id == conv.id).count() == 1


async def test_the_stream_tells_the_agent_and_nobody_else(tenant: Tenant) -> None:
    whisper = Message(
        account_id=tenant.account.id, conversation_id=tenant.channel.id, channel_id=tenant.channel.id,  # type: ignore[arg-type]
        direction="out", text="Offer the refund", sender=Sender(type="agent", name="Sue"),
        private=True, visibility="whisper", metadata={"whisper_to": "agent-1"}, delivery="sent",
    )  # fmt: skip
    event = Event("message.created", tenant.account.id, whisper.model_dump(by_alias=True))
    told = events.notices(event, "agent-1")
    assert told and told[0][0] == "notice" and "Offer the refund" in told[0][1]["text"]
    assert events.notices(event, "agent-2") == []
    # The account-wide signal carries ids and a delivery state, never the words.
    assert all("Offer" not in str(data) for _, data in events.signals(event))


async def test_take_over(client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any]) -> None:
    agent, sup = people["users"]["agent"], people["users"]["sup"]
    conv = await _assigned_conversation(client, tenant, agent)
    url = f"/inbox/c/{conv.id}"
    page = await people["clients"]["sup"].get(url)
    assert "Take over" in page.text
    refused = await people["clients"]["other"].post(
        f"{url}/takeover", data={"csrf": await _csrf(people["clients"]["other"], url)}
    )
    assert refused.status_code == 403
    r = await people["clients"]["sup"].post(f"{url}/takeover", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 303
    moved = await Conversation.get(conv.id)
    assert moved is not None and moved.assignee_id == str(sup.id)
    note = await Message.find_one(Message.conversation_id == conv.id, Message.private == True)  # noqa: E712
    assert note is not None and note.text == "Sue took over this conversation from Agnes."
    assert note.metadata["taken_from"] == str(agent.id)
    event = Event("message.created", tenant.account.id, note.model_dump(by_alias=True))
    assert events.notices(event, str(agent.id))[0][1]["text"] == note.text
    assert events.notices(event, str(sup.id)) == []
    facts = await ActivityEvent.find(ActivityEvent.conversation_id == conv.id).to_list()
    kinds = [f.kind for f in facts]
    assert "taken_over" in kinds and "transferred" not in kinds  # not Agnes's transfer
    taken = next(f for f in facts if f.kind == "taken_over")
    assert taken.user_id == str(agent.id) and taken.actor == {"type": "user", "id": str(sup.id)}


async def test_typing_signal(
    client: httpx.AsyncClient, running: Running, tenant: Tenant, people: dict[str, Any]
) -> None:
    conv = await _assigned_conversation(client, tenant, people["users"]["agent"])
    url = f"/inbox/c/{conv.id}"
    token = await _csrf(people["clients"]["agent"], url)
    r = await people["clients"]["agent"].post(
        f"{url}/typing", data={"typing": "true"}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 204
    doc = await running.hub.database["widget_typing"].find_one({"_id": f"{conv.id}:agent"})
    assert doc is not None and doc["typing"] and doc["name"] == "Agnes"
    payload = events.typing_payload(doc)
    assert payload["user_id"] == str(people["users"]["agent"].id)


async def test_other_accounts_ids_are_not_found(
    client: httpx.AsyncClient, running: Running, tenant: Tenant, other_tenant: Tenant
) -> None:
    conv = await _assigned_conversation(
        client, tenant, await add_user(tenant, "a1@acme.test", "agent")
    )
    stranger = await add_user(other_tenant, "boss@globex.test", "supervisor", "Boss")
    async with session_client(running, stranger) as boss:
        token = csrf_of((await boss.get("/inbox")).text)
        for action in ("takeover", "typing"):
            r = await boss.post(
                f"/inbox/c/{conv.id}/{action}",
                data={"csrf": token},
                headers={"X-CSRF-Token": token},
            )
            assert r.status_code == 404, action
        r = await boss.post(
            f"/inbox/c/{conv.id}/reply", data={"kind": "whisper", "text": "x", "csrf": token}
        )
        assert r.status_code == 404
        monitor = await boss.get("/inbox/monitor")
        assert monitor.status_code == 200 and str(conv.id) not in monitor.text


async def test_monitor_lists_what_each_agent_handles(
    client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any]
) -> None:
    conv = await _assigned_conversation(client, tenant, people["users"]["agent"])
    page = await people["clients"]["sup"].get("/inbox/monitor")
    assert page.status_code == 200
    section = page.text.split(f'data-agent="{people["users"]["agent"].id}"')[1].split("</section>")[
        0
    ]
    assert f"/inbox/c/{conv.id}" in section and "1 open" in section
    refused = await people["clients"]["agent"].get("/inbox/monitor")
    assert refused.status_code == 403 and "supervisor" in refused.text


async def test_reports_page_tables_charts_and_csv(
    client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any], clock: Clock
) -> None:
    await _assigned_conversation(client, tenant, people["users"]["agent"])
    sup = people["clients"]["sup"]
    page = await sup.get("/inbox/reports")
    assert page.status_code == 200
    assert 'data-user="{}"'.format(people["users"]["agent"].id) in page.text
    assert "/inbox/reports/chart/volume.svg?" in page.text
    svg = await sup.get("/inbox/reports/chart/volume.svg?from=2026-03-01&to=2026-03-07")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and "unsafe-inline" in svg.headers["content-security-policy"]
    csv_r = await sup.get("/inbox/reports/agents.csv?from=2026-03-01&to=2026-03-07")
    assert csv_r.status_code == 200 and "attachment" in csv_r.headers["content-disposition"]
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(csv_r.text))}
    assert rows["Agnes"]["assigned"] == "1"
    bad = await sup.get("/inbox/reports?from=2026-03-09&to=2026-03-01")
    assert bad.status_code == 400 and "from must not be after to" in bad.text
    assert (await sup.get("/inbox/reports/nothing.csv")).status_code == 404
    refused = await people["clients"]["agent"].get("/inbox/reports")
    assert refused.status_code == 403 and "supervisor" in refused.text


async def test_wallboard_access_and_thresholds(
    client: httpx.AsyncClient, tenant: Tenant, people: dict[str, Any]
) -> None:
    c = people["clients"]
    for who in ("wall", "sup", "admin"):
        page = await c[who].get("/wallboard")
        assert page.status_code == 200, who
        assert 'sse-connect="/wallboard/events"' in page.text
    assert "Colour thresholds" in (await c["admin"].get("/wallboard")).text
    assert "Colour thresholds" not in (await c["sup"].get("/wallboard")).text
    refused = await c["agent"].get("/wallboard")
    assert refused.status_code == 403 and "wallboard" in refused.text
    assert (await c["wall"].get("/inbox")).status_code == 403  # a wall screen has no inbox
    token = await _csrf(c["admin"], "/wallboard")
    values = {"wait_amber_minutes": "1", "wait_red_minutes": "3", "waiting_amber": "2", "waiting_red": "4"}  # fmt: skip
    r = await c["admin"].post("/wallboard/thresholds", data={**values, "csrf": token})
    assert r.status_code == 200 and "Thresholds saved" in r.text
    await tenant.account.sync()
    assert tenant.account.wallboard_thresholds == {k: int(v) for k, v in values.items()}
    bad = {**values, "wait_amber_minutes": "9"}
    r = await c["admin"].post("/wallboard/thresholds", data={**bad, "csrf": token})
    assert r.status_code == 400 and "Amber must not be above red" in r.text
    r = await c["sup"].post(
        "/wallboard/thresholds", data={**values, "csrf": await _csrf(c["sup"], "/inbox")}
    )
    assert r.status_code == 403


def test_sees() -> None:
    agent = User(account_id="0" * 24, email="a@x", password_hash="", role="agent")  # type: ignore[arg-type]
    agent.id = "1" * 24  # type: ignore[assignment]
    sup = User(account_id="0" * 24, email="s@x", password_hash="", role="supervisor")  # type: ignore[arg-type]
    msg = Message(
        account_id="0" * 24, conversation_id="0" * 24, channel_id="0" * 24, direction="out",  # type: ignore[arg-type]
        sender=Sender(type="agent"), private=True, visibility="whisper", delivery="sent",
        metadata={"whisper_to": "2" * 24},
    )  # fmt: skip
    assert not supervising.sees(agent, msg) and supervising.sees(sup, msg)
    msg.metadata["whisper_to"] = "1" * 24
    assert supervising.sees(agent, msg)


def test_the_no_data_line_fits_the_chart_in_every_language() -> None:
    """pygal's "no data" line at its 64 px default ran off the 900 px chart in Swedish."""
    from hub.centre.reports.figures import SummaryPoint
    from hub.inbox import charts
    from hub.web import i18n

    empty = [
        SummaryPoint(start=f"2026-12-0{d}", opened=0, resolved=0, answered=0,
                     median_first_response_seconds=None)
        for d in range(1, 8)
    ]  # fmt: skip
    for lang in i18n.LANGUAGES:
        with i18n.speaking(i18n.Speech(lang)):
            svg = charts.first_response(empty)
            text = i18n.gettext("No data in this period")
        size = int(re.search(r"no_data\{[^}]*font-size:(\d+)px", svg)[1])  # type: ignore[index]
        assert text in svg
        assert len(text) * size * 0.6 < 900, (
            f"{lang}: {text!r} at {size} px is wider than the chart"
        )
