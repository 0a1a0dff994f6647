"""List, lookup and search benchmark: does a page cost the page, or the history?

    .venv/bin/python bench/queries.py [--sizes 10000,100000] [--quick] [--repeat 15]

For each size N it fills one account of a fresh embedded SecantusDB with N
conversations of 10 messages each (``insert_many``, spread over a year, a second
account of N/10 conversations beside it), then times through the generic API (and the
inbox for search) in-process: the first page, a status-filtered page, the 50th cursor
page, one conversation, its messages, one message, and a surname search. The baseline
of the same run is a raw pymongo ``find_one({_id})`` on the same database: each row
prints p50/p99 in ms and the p50 as a multiple of that baseline. ``--quick``: 10k only.

``BENCH_ROOT=/path/to/another/checkout`` imports that checkout's ``hub`` instead, so
the same script measures "before" (main) and "after" in one session. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from base64 import b64encode
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("BENCH_ROOT") or Path(__file__).resolve().parent.parent)
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import itsdangerous  # noqa: E402
from bson import ObjectId  # noqa: E402

from hub.app import create_app  # noqa: E402
from hub.ops import embedded  # noqa: E402
from hub.settings import Settings  # noqa: E402
from hub.tenants import accounts  # noqa: E402
from tests.fakes import EchoConnector  # noqa: E402

SECRET = "bench-secret"
FIRST = ["Anna", "Bo", "Carl", "Dorte", "Emil", "Freja", "Gustav", "Hanne", "Ib", "Jonna"]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Larsen", "Holm", "Krogh"]
YEAR = dt.timedelta(days=365)


def machine() -> str:
    cpu = "unknown cpu"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{cpu}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, hub from {ROOT}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _terms(name: str, key: str) -> list[str]:
    """The search terms the checkout under test keeps on a contact, if it keeps any."""
    try:
        from hub.store.terms import contact_terms  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from hub.store.search import terms_of  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            return []
        return terms_of(name, key)  # type: ignore[no-any-return]
    return contact_terms(name, [key], None, key.split(":", 1)[1])  # type: ignore[no-any-return]


def conversation_docs(account: Any, channel: Any, count: int, end: dt.datetime, tag: str) -> Any:
    step = YEAR / count
    for i in range(count):
        at = end - YEAR + step * i
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i // 10) % len(LAST)]}{tag}"
        if i == count // 2:
            name = "Ulla Zyxwvut"  # the rare surname the search looks for
        key = f"phone:+45{tag}{i:08d}"
        doc: dict[str, Any] = {
            "_id": ObjectId(),
            "account_id": account.id,
            "contact_id": ObjectId(),
            "channel_id": channel.id,
            "channel_type": "test",
            "contact_key": key,
            "thread_key": "current",
            "contact_name": name,
            "status": "open" if i % 7 == 0 else "resolved",
            "handler": "human",
            "labels": [],
            "priority": "normal",
            "unread": 0,
            "last_message_at": at,
            "last_inbound_at": at,
            "last_message_preview": f"message {i}",
            "created_at": at - dt.timedelta(hours=1),
            "updated_at": at,
            "resolved_at": None if i % 7 == 0 else at,
        }
        yield doc


def message_docs(conv: dict[str, Any], per: int) -> list[dict[str, Any]]:
    docs = []
    for j in range(per):
        at = conv["created_at"] + dt.timedelta(minutes=6 * j)
        inbound = j % 2 == 0
        docs.append(
            {
                "account_id": conv["account_id"],
                "conversation_id": conv["_id"],
                "channel_id": conv["channel_id"],
                "direction": "in" if inbound else "out",
                "text": f"text {j} of {conv['contact_name']}",
                "sender": {"type": "contact" if inbound else "agent"},
                "delivery": "received" if inbound else "delivered",
                "delivery_rank": 0 if inbound else 4,
                "provider_message_id": f"{conv['_id']}-{j}",
                "created_at": at,
                "updated_at": at,
                "attempts": 0,
            }
        )
    return docs


async def fill(database: Any, account: Any, channel: Any, count: int, tag: str) -> list[Any]:
    convs, msgs = database["conversations"], database["messages"]
    end = dt.datetime.now(dt.UTC)
    batch: list[dict[str, Any]] = []
    ids = []
    for doc in conversation_docs(account, channel, count, end, tag):
        batch.append(doc)
        ids.append(doc["_id"])
        if len(batch) == 500:
            await _flush(convs, msgs, batch)
            batch = []
    if batch:
        await _flush(convs, msgs, batch)
    return ids


def contact_doc(conv: dict[str, Any]) -> dict[str, Any]:
    doc = {
        "_id": conv["contact_id"],
        "account_id": conv["account_id"],
        "name": conv["contact_name"],
        "addresses": [conv["contact_key"]],
        "primary_address": conv["contact_key"],
        "phone": conv["contact_key"].split(":", 1)[1],
        "vip": False,
        "attributes": {},
        "created_at": conv["created_at"],
    }
    terms = _terms(conv["contact_name"], conv["contact_key"])
    if terms:
        doc["terms"] = terms
    return doc


async def _flush(convs: Any, msgs: Any, batch: list[dict[str, Any]]) -> None:
    await convs.database["contacts"].insert_many([contact_doc(c) for c in batch], ordered=False)
    await convs.insert_many(batch, ordered=False)
    messages = [m for c in batch for m in message_docs(c, 10)]
    for i in range(0, len(messages), 1000):
        await msgs.insert_many(messages[i : i + 1000], ordered=False)


async def timed(fn: Any, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def deep_cursor(client: httpx.AsyncClient, auth: dict[str, str], pages: int) -> str | None:
    cursor = None
    for _ in range(pages - 1):
        params = {"limit": "25", **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/conversations", params=params, headers=auth)
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return None
    return cursor


def ok(r: httpx.Response) -> httpx.Response:
    if r.status_code != 200:
        raise SystemExit(f"{r.request.url}: {r.status_code} {r.text[:300]}")
    return r


async def measure(size: int, repeat: int, data: Path) -> None:
    server = embedded.start(data / f"db{size}")
    settings = Settings(
        data_dir=data / "var", mongodb_uri=server.uri, database="bench", secret_key=SECRET
    )
    app = create_app(settings, connectors={"test": EchoConnector})
    try:
        async with app.router.lifespan_context(app):
            await run_size(app, size, repeat)
    finally:
        server.stop()


async def run_size(app: Any, size: int, repeat: int) -> None:
    hub = app.state.hub
    account = await accounts.create_account("Bench", "PRO", 3, ["generic_api"])
    other = await accounts.create_account("Other", "PRO", 3, ["generic_api"])
    channel, _ = await accounts.create_channel(hub, account, "test", "Bench line", {})
    other_channel, _ = await accounts.create_channel(hub, other, "test", "Other line", {})
    user = await accounts.create_user(account, "agent@bench.test", "password1", "agent")
    _, key = await accounts.create_key(account)
    started = time.perf_counter()
    ids = await fill(hub.database, account, channel, size, "1")
    await fill(hub.database, other, other_channel, size // 10, "2")
    filled = time.perf_counter() - started
    print(f"\n{size} conversations, {size * 10} messages (+10% in another account)")
    print(f"  filled in {filled:.0f} s; load average {load()}")
    auth = {"Authorization": f"Bearer {key}"}
    session = {"uid": str(user.id), "aid": str(account.id), "csrf": "bench"}
    cookie = itsdangerous.TimestampSigner(SECRET).sign(b64encode(json.dumps(session).encode()))
    one = str(ids[len(ids) // 3])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        msgs = ok(await client.get(f"/api/v1/conversations/{one}/messages", headers=auth))
        message_id = msgs.json()["data"][0]["id"]
        cursor = await deep_cursor(client, auth, 50)
        client.cookies.set("parley_session", cookie.decode())
        raw = hub.database["conversations"]
        rows: dict[str, Any] = {
            "baseline: raw find_one({_id})": lambda: raw.find_one({"_id": ids[0]}),
            "API first page": lambda: client.get("/api/v1/conversations", headers=auth),
            "API first page, status=open": lambda: client.get(
                "/api/v1/conversations?status=open", headers=auth
            ),
            "API cursor page 50": lambda: client.get(
                "/api/v1/conversations", params={"cursor": cursor or ""}, headers=auth
            ),
            "API GET one conversation": lambda: client.get(
                f"/api/v1/conversations/{one}", headers=auth
            ),
            "API its messages": lambda: client.get(
                f"/api/v1/conversations/{one}/messages", headers=auth
            ),
            "API GET one message": lambda: client.get(
                f"/api/v1/messages/{message_id}", headers=auth
            ),
            "inbox first page": lambda: client.get("/inbox"),
            "inbox surname search (rare)": lambda: client.get("/inbox?q=Zyxwvut&status=any"),
            "inbox surname search (common)": lambda: client.get("/inbox?q=Holm1&status=any"),
        }
        for fn in rows.values():
            answer = await fn()
            if isinstance(answer, httpx.Response):
                ok(answer)
        base = None
        for name, fn in rows.items():
            p50, p99 = await timed(fn, repeat)
            base = base or p50
            print(f"  {name:34} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  x{p50 / base:7.1f}")
    print(f"  load average {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="10k conversations only")
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    print(f"machine: {machine()}; load average {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            asyncio.run(measure(size, args.repeat, Path(tmp)))


if __name__ == "__main__":
    main()
