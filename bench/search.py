"""Search benchmark: a rare order number in a six-month-old message, among N conversations.

    .venv/bin/python bench/search.py [--size 100000] [--repeat 30] [--fill-minutes 6] [--data DIR]

Fills one account of a fresh embedded SecantusDB with N conversations of 10 messages
each, spread over six months (``insert_many``; the terms written by the real
``hub.store.terms`` functions, as ingest writes them), and a second account of N/10
beside it. One message of the oldest conversation holds the order number ORD-58812; every
contact has an email address. Then it times ``hub.store.search.search_conversations`` (the
store function the inbox and the API call), first page of 25:

- a rare term (the order number, six months back),
- a common word (in about half of all messages),
- an exact email address (a six-month-old contact),

and, as the same run's baseline, a raw ``find_one({_id})`` on the messages collection.
Each row prints p50/p99 in ms. If filling N would take longer than ``--fill-minutes``
at the fill rate measured on the first batches, N is scaled down to 10,000 and the
run says so. Prints the machine and the load average before and after. Asserts nothing.

``--data DIR`` keeps the filled database in DIR, and a later run with the same DIR
measures it again without filling: with ``BENCH_ROOT=<another checkout>`` (whose ``hub``
is then measured, e.g. the code before a change) the two runs time the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

#: The checkout whose ``hub`` is measured: this one, or ``BENCH_ROOT`` (the "before").
ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent).resolve()
sys.path.insert(0, str(ROOT))

from bson import ObjectId  # noqa: E402
from pymongo import monitoring  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.models import Account  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.store import search  # noqa: E402
from hub.store.terms import contact_terms, text_terms  # noqa: E402
from hub.tenants import accounts  # noqa: E402
from tests.fakes import EchoConnector  # noqa: E402

SPAN = dt.timedelta(days=182)
PER = 10
RARE = "ORD-58812"
COMMON = "thanks"
SCALED = 10_000
FIRST = ["Anna", "Bo", "Carl", "Dorte", "Emil", "Freja", "Gustav", "Hanne", "Ib", "Jonna"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen", "Holm", "Krogh"]
#: A vocabulary of 3,000 made-up words, drawn Zipf-like: a few are frequent, most rare.
_rng = random.Random(7)
VOCABULARY = [
    "".join(_rng.choice("abcdefghijklmnoprstuvy") for _ in range(_rng.randint(3, 9)))
    for _ in range(3000)
]
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def machine() -> str:
    cpu = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def email_of(i: int, tag: str) -> str:
    return f"{FIRST[i % len(FIRST)].lower()}.{i}{tag}@example.com"


def conversations(
    account: Any, channel: Any, count: int, end: dt.datetime, tag: str
) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """(contact, conversation, messages) documents, oldest conversation first."""
    rng = random.Random(tag)
    step = SPAN / count
    for i in range(count):
        at = end - SPAN + step * i
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]}"
        phone, email = f"+45{20000000 + i}", email_of(i, tag)
        key = f"phone:{phone}"
        contact = {
            "_id": ObjectId(),
            "account_id": account.id,
            "name": name,
            "addresses": [key],
            "primary_address": key,
            "phone": phone,
            "email": email,
            "vip": False,
            "attributes": {},
            "created_at": at,
            "terms": contact_terms(name, [key], email, phone),
        }
        conv = {
            "_id": ObjectId(),
            "account_id": account.id,
            "contact_id": contact["_id"],
            "channel_id": channel.id,
            "channel_type": "test",
            "contact_key": key,
            "thread_key": "current",
            "contact_name": name,
            "status": "resolved",
            "handler": "human",
            "labels": [],
            "priority": "normal",
            "unread": 0,
            "last_message_at": at + dt.timedelta(minutes=6 * (PER - 1)),
            "last_inbound_at": at,
            "last_message_preview": "…",
            "created_at": at,
            "updated_at": at,
            "resolved_at": at,
        }
        messages = []
        for j in range(PER):
            sent = at + dt.timedelta(minutes=6 * j)
            inbound = j % 2 == 0
            text = " ".join(rng.choices(VOCABULARY, WEIGHTS, k=10))
            if rng.random() < 0.5:
                text += f" {COMMON}"
            if i == 0 and j == 2 and tag == "1":
                text = f"Hello, where is my order {RARE}? It is late. {text}"
            messages.append(
                {
                    "account_id": account.id,
                    "conversation_id": conv["_id"],
                    "channel_id": channel.id,
                    "direction": "in" if inbound else "out",
                    "text": text,
                    "visibility": "public",
                    "sender": {"type": "contact" if inbound else "agent"},
                    "delivery": "received" if inbound else "delivered",
                    "delivery_rank": 0 if inbound else 4,
                    "provider_message_id": f"{conv['_id']}-{j}",
                    "created_at": sent,
                    "updated_at": sent,
                    "attempts": 0,
                    "terms": text_terms(text),
                }
            )
        yield contact, conv, messages


async def fill(database: Any, account: Any, channel: Any, count: int, tag: str) -> float:
    """Insert ``count`` conversations; returns documents written per second."""
    end = dt.datetime.now(dt.UTC)
    started, written = time.perf_counter(), 0
    batch: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]] = []
    for item in conversations(account, channel, count, end, tag):
        batch.append(item)
        if len(batch) == 200:
            written += await _flush(database, batch)
            batch = []
    if batch:
        written += await _flush(database, batch)
    return written / (time.perf_counter() - started)


async def _flush(database: Any, batch: list[Any]) -> int:
    await database["contacts"].insert_many([c for c, _, _ in batch], ordered=False)
    await database["conversations"].insert_many([v for _, v, _ in batch], ordered=False)
    messages = [m for _, _, ms in batch for m in ms]
    await database["messages"].insert_many(messages, ordered=False)
    return len(batch) * (2 + PER)


async def probe_rate(database: Any, account: Any, channel: Any) -> float:
    """Documents per second of a 1,000-conversation fill in a scratch account."""
    scratch = await accounts.create_account("Probe", "PRO", 3, ["generic_api"])
    rate = await fill(database, scratch, channel, 1000, "p")
    for name in ("contacts", "conversations", "messages"):
        await database[name].delete_many({"account_id": scratch.id})
    return rate


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def run(app: Any, size: int, repeat: int, fill_minutes: float) -> None:
    hub = app.state.hub
    database = hub.database
    filled = await Account.find_one(Account.name == "Bench")
    if filled is not None:  # --data with a database filled by an earlier run
        size = await database["conversations"].count_documents({"account_id": filled.id})
        print(f"reusing the filled database: {size:,} conversations; measuring {ROOT}")
        await measure_rows(database, filled, repeat)
        return
    account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
    other = await accounts.create_account("Other", "PRO", 3, ["generic_api"])
    channel, _ = await accounts.create_channel(hub, account, "test", "Bench line", {})
    other_channel, _ = await accounts.create_channel(hub, other, "test", "Other line", {})
    rate = await probe_rate(database, account, channel)
    needed = size * 1.1 * (2 + PER) / rate
    print(f"fill rate {rate:.0f} documents/s (1,000 conversations, insert_many)")
    if needed > fill_minutes * 60 and size > SCALED:
        print(
            f"SCALED: filling {size:,} conversations would take ~{needed / 60:.0f} min at that "
            f"rate (limit {fill_minutes:g} min): running N={SCALED:,} instead"
        )
        size = SCALED
    started = time.perf_counter()
    rate = await fill(database, account, channel, size, "1")
    await fill(database, other, other_channel, size // 10, "2")
    print(
        f"{size:,} conversations, {size * PER:,} messages over 182 days (+10% in another "
        f"account): filled in {time.perf_counter() - started:.0f} s ({rate:.0f} documents/s); "
        f"load average {load()}"
    )
    await measure_rows(database, account, repeat)


async def measure_rows(database: Any, account: Any, repeat: int) -> None:
    assert account.id is not None
    email = email_of(3, "1")  # a contact from the first day, six months ago
    raw = database["messages"]
    one = (await raw.find_one({"account_id": account.id}, {"_id": 1}))["_id"]
    rows: dict[str, Callable[[], Awaitable[Any]]] = {
        "baseline: raw messages find_one({_id})": lambda: raw.find_one({"_id": one}),
        f"rare term {RARE} (182 days back)": lambda: search.search_conversations(account.id, RARE),
        f"common word '{COMMON}' (~50% of messages)": lambda: search.search_conversations(
            account.id, COMMON
        ),
        f"exact email {email}": lambda: search.search_conversations(account.id, email),
    }
    found, _ = await search.search_conversations(account.id, RARE)
    assert len(found) == 1, f"the rare term found {len(found)} conversations"
    found, _ = await search.search_conversations(account.id, email)
    assert len(found) == 1, f"the email found {len(found)} conversations"
    assert len((await search.search_conversations(account.id, COMMON))[0]) == 25
    await show_plan(database, {"account_id": account.id, "terms": "58812"})
    await show_plan(
        database,
        {
            "account_id": account.id,
            "terms": COMMON,
            "created_at": {"$gte": dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)},
        },
    )
    for name, fn in rows.items():
        p50, p99 = await timed(fn, repeat)
        trips = await round_trips(fn)
        print(f"  {name:46} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  {len(trips):3d} round trips")
        COUNTS[name] = trips
    print(f"load average {load()}")
    for name, trips in COUNTS.items():
        print(f"  commands of {name.split(' (')[0]}: {', '.join(trips)}")


class Commands(monitoring.CommandListener):
    """Counts the database commands (round trips) of what runs while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.on:
            self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


COMMANDS = Commands()
COUNTS: dict[str, list[str]] = {}
monitoring.register(COMMANDS)


async def round_trips(fn: Callable[[], Awaitable[Any]]) -> list[str]:
    """The database commands one call makes (load-independent, unlike its time)."""
    COMMANDS.names, COMMANDS.on = [], True
    try:
        await fn()
    finally:
        COMMANDS.on = False
    return COMMANDS.names


async def show_plan(database: Any, query: dict[str, Any]) -> None:
    """The planner's choice and work for one term read (``explain``, executionStats)."""
    answer = await database.command(
        "explain", {"find": "messages", "filter": query}, verbosity="executionStats"
    )
    plan, stats = answer["queryPlanner"]["winningPlan"], answer.get("executionStats", {})
    stages = []
    while isinstance(plan, dict):
        stages.append(
            plan.get("stage", "?") + (f"({plan['indexName']})" if "indexName" in plan else "")
        )
        plan = plan.get("inputStage")
    shown = {k: v for k, v in query.items() if k != "account_id"}
    print(
        f"  explain {shown}: {' <- '.join(stages)}; returned {stats.get('nReturned')}, "
        f"keys examined {stats.get('totalKeysExamined')}, docs {stats.get('totalDocsExamined')}"
    )


async def measure(size: int, repeat: int, fill_minutes: float, data: Path) -> None:
    server = embedded.start(data / "db")
    settings = Settings(
        data_dir=data / "var", mongodb_uri=server.uri, database="bench", secret_key="bench"
    )
    app = create_app(settings, connectors={"test": EchoConnector})
    try:
        async with app.router.lifespan_context(app):
            await run(app, size, repeat, fill_minutes)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--fill-minutes", type=float, default=6.0)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {load()}")
    if args.data is not None:
        args.data.mkdir(parents=True, exist_ok=True)
        asyncio.run(measure(args.size, args.repeat, args.fill_minutes, args.data))
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(args.size, args.repeat, args.fill_minutes, Path(tmp)))


if __name__ == "__main__":
    main()
