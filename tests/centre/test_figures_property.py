"""Property: on random days replayed on the test clock, every live figure agrees across the
API, ``/inbox/queues`` and the wallboard's data, and waiting recomputed from the raw
messages gives the same conversations and waits.

A day is a list of events: customers writing, business-initiated sends (the API),
agents' replies, resolves (with the CSAT survey going out), CSAT answers, reopenings (a
customer writing into a resolved conversation), customers writing to a bot on a second
channel, the bot's hand-overs, callbacks asked for and their attempts, agents' presence
changes, and clock jumps (minutes, and hours across the business hours' close and open).
Each example is a fresh PRO account, open Monday-Friday 09-17, with a live policy that
counts business hours only; the SLA tick runs after every event. Beyond the figures'
agreement: callbacks waiting and the agents' presence recomputed from the raw records
match, and every first- or next-response breach is where a customer waited: at its due
time a customer's message had been unanswered by a person since at least the target
before it (a CSAT answer, a business-initiated send or a bot's conversation never
breaches). The number of examples and the seed are printed (run with ``-s`` to see
them); ``PARLEY_PROPERTY_SEED`` replays a seed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import re
from typing import Any

import httpx
import pytest
from beanie import PydanticObjectId
from hypothesis import HealthCheck, example, given, seed
from hypothesis import settings as examples
from hypothesis import strategies as st

from hub.centre import changes
from hub.centre.csat import answers as csat
from hub.centre.csat import surveys
from hub.centre.reports import board, live
from hub.centre.sla import clocks as sla
from hub.contract import now as clock_now
from hub.models import ActivityEvent, CallbackRequest, Conversation, Message, Sender, User
from hub.pipeline import outbox
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.tenants import accounts
from tests.api.conftest import inbound, serve
from tests.centre.conftest import set_hours
from tests.centre.test_sla_rules import BOT_ADDONS, BOT_RECEIVER
from tests.conftest import Clock, Running, make_tenant
from tests.inbox.conftest import add_user, session_client

SEED = int(os.environ.get("PARLEY_PROPERTY_SEED") or random.randrange(2**32))
#: ``PARLEY_PROPERTY_EXAMPLES`` runs more (make test keeps it near 30 s on a loaded machine).
EXAMPLES = int(os.environ.get("PARLEY_PROPERTY_EXAMPLES") or 15)
TARGET = dt.timedelta(minutes=3)
PRESENCE = ("available", "away", "offline")
CUSTOMERS = [f"+452012340{n}" for n in range(4)]
AGENT = Sender(type="agent", id="agent-1", name="Ann")
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RUNS: list[int] = []
BREACHES: list[int] = []

customer = st.integers(min_value=0, max_value=len(CUSTOMERS) - 1)
event = st.one_of(
    st.tuples(st.just("in"), customer),
    st.tuples(st.just("business"), customer),
    st.tuples(st.just("reply"), customer),
    st.tuples(st.just("resolve"), customer),
    st.tuples(st.just("csat"), customer),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=12)),
    st.tuples(st.just("hours"), st.integers(min_value=1, max_value=16)),
    st.tuples(st.just("callback"), customer),
    st.tuples(st.just("attempt"), customer),
    st.tuples(st.just("presence"), st.integers(min_value=0, max_value=5)),
    st.tuples(st.just("bot_in"), customer),
    st.tuples(st.just("handoff"), customer),
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No background workers: the bot's fallback must not hand over between the reads."""
    return dataclasses.replace(settings, run_workers=False)


async def _conversation(account_id: Any, who: int, channel: Any) -> Conversation | None:
    return await Conversation.find_one(
        Conversation.account_id == account_id,
        Conversation.channel_id == channel,
        Conversation.contact_key == f"phone:{CUSTOMERS[who]}",
    )


def _answers(message: Message) -> bool:
    """A public message from the business that answers the customer (not an automatic one)."""
    return message.direction == "out" and not message.private and message.sender.type != "system"


def _waiting_from_raw(
    conversations: list[Conversation], messages: list[Message]
) -> dict[Any, dt.datetime]:
    """Waiting conversations and since when, from their messages alone: open, for people,
    unassigned, and the customer wrote last (since the first unanswered message)."""
    out: dict[Any, dt.datetime] = {}
    for c in conversations:
        if c.status != "open" or c.handler != "human" or c.assignee_id is not None:
            continue
        since = None
        for m in sorted((m for m in messages if m.conversation_id == c.id), key=lambda m: m.created_at):  # fmt: skip
            if m.direction == "in" and not m.metadata.get("csat_answer"):
                since = since or m.created_at
            elif _answers(m):
                since = None
        if since is not None:
            out[c.id] = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
    return out


async def _play(client: httpx.AsyncClient, hub: Hub, clock: Clock, tenant: Any, day: list[tuple[str, int]], line: BotLine) -> None:  # fmt: skip
    account_id = tenant.account.id
    for n, (kind, arg) in enumerate(day):
        clock.advance(seconds=5)
        await sla.tick()
        if kind in ("wait", "hours"):
            clock.advance(**{"minutes" if kind == "wait" else "hours": arg})
            await sla.tick()
            continue
        if kind in ("callback", "attempt", "presence"):
            await _centre_event(client, tenant, kind, arg, n)
            continue
        conv = await _conversation(account_id, arg, tenant.channel.id)
        if kind == "bot_in":
            await inbound(client, line.webhook, f"b{n}", CUSTOMERS[arg], f"bot question {n}")
        elif kind == "handoff":
            with_bot = await _conversation(account_id, arg, line.channel_id)
            if with_bot is not None and with_bot.handler == "bot":
                url = f"/api/v1/bot/conversations/{with_bot.id}/handoff"
                r = await client.post(url, json={"note": "to people"}, headers=line.auth)
                assert r.status_code == 200, r.text
        elif kind == "in":
            await inbound(client, tenant.webhook, f"m{n}", CUSTOMERS[arg], f"question {n}")
        elif kind == "business":
            body = {"channel_id": str(tenant.channel.id), "to": CUSTOMERS[arg], "text": f"Order {n} has shipped."}  # fmt: skip
            r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
            assert r.status_code == 202, r.text
        elif kind == "reply" and conv is not None and conv.status == "open":
            await outbox.enqueue(hub, conv, text=f"answer {n}", sender=AGENT)
        elif kind == "resolve" and conv is not None and conv.status == "open":
            await changes.update_conversation(account_id, str(conv.id), {"status": "resolved"})
            await surveys.send_due(hub)
        elif kind == "csat" and conv is not None and conv.status == "resolved" and conv.csat_survey:
            await inbound(client, tenant.webhook, f"m{n}", CUSTOMERS[arg], "5 (great)", payload="csat:5")  # fmt: skip
    await sla.tick()


async def _centre_event(client: httpx.AsyncClient, tenant: Any, kind: str, arg: int, n: int) -> None:  # fmt: skip
    """A callback asked for, an attempt on the customer's open one, or a presence change."""
    if kind == "presence":  # agent arg // 3 sets the presence arg % 3
        agent = (await _agents(tenant))[arg // 3]
        body = {"presence": PRESENCE[arg % 3]}
        r = await client.patch(f"/api/v1/users/{agent.id}", json=body, headers=tenant.auth)
        assert r.status_code == 200, r.text
    elif kind == "callback":
        now = clock_now()
        window = {"from": (now + dt.timedelta(hours=1)).isoformat(), "until": (now + dt.timedelta(hours=2)).isoformat()}  # fmt: skip
        r = await client.post("/api/v1/callbacks", json={"phone": CUSTOMERS[arg], "window": window}, headers=tenant.auth)  # fmt: skip
        assert r.status_code == 201, r.text
    else:
        found = await CallbackRequest.find_one(
            CallbackRequest.account_id == tenant.account.id,
            CallbackRequest.phone == CUSTOMERS[arg],
            {"status": {"$in": ["waiting", "requeued"]}},
        )
        if found is not None:
            outcome = "reached" if n % 2 else "no_answer"
            body = {"outcome": outcome, "note": f"call {n}"}
            r = await client.post(f"/api/v1/callbacks/{found.id}/attempts", json=body, headers=tenant.auth)  # fmt: skip
            assert r.status_code in (200, 201), r.text


async def _agents(tenant: Any) -> list[User]:
    found = await User.find(User.account_id == tenant.account.id, User.role == "agent").to_list()
    return sorted(found, key=lambda u: u.email)


def _breaches_where_no_one_waited(
    breaches: list[ActivityEvent], messages: list[Message]
) -> list[tuple[str, dt.datetime]]:
    """First- and next-response breaches at whose due time no customer had waited for at
    least the target: the customer's messages (not CSAT answers) since the last public
    reply by a person before it, the oldest of them at least ``TARGET`` before."""
    wrong = []
    for breach in breaches:
        if breach.data.get("kind") not in ("first_response", "next_response"):
            continue
        due = _aware(breach.at)
        since = None
        thread = sorted((m for m in messages if m.conversation_id == breach.conversation_id), key=lambda m: m.created_at)  # fmt: skip
        for m in thread:
            if _aware(m.created_at) > due:
                break
            if m.direction == "in" and not m.metadata.get("csat_answer") and not m.automated:
                since = since or _aware(m.created_at)
            elif m.direction == "out" and not m.private and m.sender.type == "agent":
                since = None
        if since is None or due - since < TARGET:
            wrong.append((str(breach.data.get("kind")), due))
    return wrong


def _aware(at: dt.datetime) -> dt.datetime:
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


@seed(SEED)
@examples(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(day=st.lists(event, min_size=2, max_size=14))
# Always: a late first reply (a breach where the customer waited), then a resolve and a
# CSAT answer with time passing after it (no breach: nobody waits), and a business send.
@example(day=[("in", 0), ("wait", 5), ("reply", 0), ("resolve", 0), ("csat", 0), ("business", 1), ("wait", 8), ("hours", 9)])  # fmt: skip
async def test_figures_agree_on_random_days(
    client: httpx.AsyncClient, hub: Hub, clock: Clock, running: Running, day: list[tuple[str, int]]
) -> None:
    clock.set(START)
    tenant = await make_tenant(hub, "Random Co", plan="PRO", addons=BOT_ADDONS)
    assert tenant.account.id is not None
    await csat.configure(tenant.account.id, True, None)
    await set_hours(tenant.account)  # Monday-Friday 09-17
    policy = {"name": "P", "first_response_minutes": 3, "next_response_minutes": 3, "business_hours_only": True}  # fmt: skip
    r = await client.post("/api/v1/sla_policies", json=policy, headers=tenant.auth)
    assert r.status_code == 201, r.text
    for name in ("Ann", "Bob"):
        await add_user(tenant, f"{name.lower()}{len(RUNS)}@random.test", "agent", name)
    async with serve(BOT_RECEIVER) as base:
        line = await _bot_line(client, hub, tenant, f"{base}/webhook")
        await _play(client, hub, clock, tenant, day, line)
    RUNS.append(len(day))

    (figures,) = await live.snapshot(tenant.account)
    conversations = await Conversation.find(Conversation.account_id == tenant.account.id).to_list()
    messages = await Message.find(Message.account_id == tenant.account.id).to_list()
    raw = _waiting_from_raw(conversations, messages)
    at = clock.at
    waits = [(at - since).total_seconds() for since in raw.values()]
    assert set(figures.conversation_ids) == set(raw), (day, figures.conversation_ids, raw)
    assert figures.waiting == len(raw)
    assert figures.longest_wait_seconds == int(max(waits, default=0))
    assert figures.average_wait_seconds == (int(sum(waits) / len(waits)) if waits else 0)

    r = await client.get("/api/v1/queues", headers=tenant.auth)
    (api,) = r.json()["data"]
    assert api == figures.api().model_dump(mode="json")
    (row,) = await board.board(tenant.account) or [None]  # the no-team row shows when busy
    if row is not None:
        assert (row.waiting, row.longest_wait_seconds) == (figures.waiting, figures.longest_wait_seconds)  # fmt: skip
        assert (row.callbacks_waiting, row.agents) == (figures.callbacks_waiting, figures.agents)
        assert (row.answered_today, row.unanswered_today) == (figures.today.answered, figures.today.unanswered)  # fmt: skip
        assert row.sla_at_risk == figures.sla_at_risk
    else:
        assert figures.waiting == 0 and not figures.sla_at_risk and not figures.callbacks_waiting
    assert (
        figures.callbacks_waiting
        == await CallbackRequest.find(
            CallbackRequest.account_id == tenant.account.id,
            {"status": {"$in": ["waiting", "requeued"]}},
        ).count()
    )
    people = await User.find(User.account_id == tenant.account.id).to_list()
    shown = {p: sum(u.presence == p for u in people) for p in PRESENCE}
    assert figures.agents.model_dump() == {**shown, "at_capacity": 0}
    breaches = await ActivityEvent.find(
        ActivityEvent.account_id == tenant.account.id, ActivityEvent.kind == "sla_breached"
    ).to_list()
    assert _breaches_where_no_one_waited(breaches, messages) == [], day
    stuck = [c.id for c in conversations if c.sla_next_due and _aware(c.sla_next_due) <= clock.at]
    assert stuck == [], (day, stuck)  # after a tick nothing due is left unbreached
    BREACHES.append(len(breaches))
    report = await client.get("/api/v1/reports/sla", headers=tenant.auth)
    at_risk = sum(x["open_at_risk"] for x in report.json()["rows"])
    assert at_risk == figures.sla_at_risk
    sue = await add_user(tenant, f"sue{len(RUNS)}@random.test", "supervisor", "Sue")
    async with session_client(running, sue) as pages:
        page = await pages.get("/inbox/queues")
        assert re.findall(r'class="waiting-count">(\d+)<', page.text) == [str(figures.waiting)]


@dataclasses.dataclass
class BotLine:
    """A second channel of the account, with a bot on it."""

    channel_id: Any
    webhook: str
    auth: dict[str, str]


async def _bot_line(client: httpx.AsyncClient, hub: Hub, tenant: Any, url: str) -> BotLine:
    channel, _ = await accounts.create_channel(hub, tenant.account, "test", "Bot line", {})
    r = await client.post(
        "/api/v1/bots",
        json={"name": "FAQ", "webhook_url": url, "channel_ids": [str(channel.id)]},
        headers=tenant.auth,
    )
    assert r.status_code == 201, r.text
    token = r.json()["token"]
    webhook = f"/webhooks/{channel.type}/{channel.id}"
    return BotLine(channel.id, webhook, {"Authorization": f"Bearer {token}"})


def teardown_module() -> None:
    breached = sum(1 for n in BREACHES if n)
    print(
        f"\nfigures property: {len(RUNS)} examples run ({breached} with SLA breaches), "
        f"seed {SEED} (PARLEY_PROPERTY_SEED={SEED})"
    )


def test_the_breach_check_finds_a_breach_where_nobody_waited() -> None:
    """The check above can fail: a breach due while the business had spoken last (a CSAT
    answer after the reply does not count as waiting), or due too soon after the question."""
    conversation = PydanticObjectId()
    account = PydanticObjectId()

    def message(direction: str, minutes: int, **extra: Any) -> Message:
        sender = Sender(type="contact") if direction == "in" else AGENT
        return Message(account_id=account, conversation_id=conversation, channel_id=account, direction=direction, text="x", sender=sender, delivery="received", created_at=START + dt.timedelta(minutes=minutes), **extra)  # fmt: skip

    def breach(minutes: int) -> ActivityEvent:
        return ActivityEvent(account_id=account, kind="sla_breached", conversation_id=conversation, at=START + dt.timedelta(minutes=minutes), data={"kind": "next_response"})  # fmt: skip

    thread = [message("in", 0), message("out", 2), message("in", 3, metadata={"csat_answer": True})]  # fmt: skip
    assert _breaches_where_no_one_waited([breach(20)], thread) != []
    assert _breaches_where_no_one_waited([breach(2)], [message("in", 0)]) != []
    assert _breaches_where_no_one_waited([breach(3)], [message("in", 0)]) == []
