"""Search across the whole history (``GET /api/v1/conversations?q=``, ``hub.store.search``).

Messages are written through the real ingest and send paths, at times the test clock
sets; the term index is the only way a search reads messages, so each assertion here
fails if a term is not written, not folded, or not removed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo.asynchronous.collection import AsyncCollection

from hub.models import Contact, Conversation, Message
from hub.pipeline.services import Hub
from hub.settings import Settings
from hub.store import contact_merge, contacts, search
from hub.tenants import retention
from tests.conftest import Clock, Tenant
from tests.core.helpers import post_webhook

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


async def said(
    client: httpx.AsyncClient, tenant: Tenant, sender: str, text: str, name: str = "Ann"
) -> Conversation:
    """An inbound message from ``sender`` at the clock's time; its conversation."""
    pid = f"p-{sender}-{abs(hash(text))}"
    message = {"id": pid, "from": sender, "name": name, "text": text}
    r = await post_webhook(client, tenant, [message])
    assert r.status_code == 200, r.text
    stored = await Message.find_one(Message.provider_message_id == pid)
    assert stored is not None
    found = await Conversation.get(stored.conversation_id)
    assert found is not None
    return found


async def found(client: httpx.AsyncClient, tenant: Tenant, q: str, **params: str) -> list[str]:
    r = await client.get("/api/v1/conversations", params={"q": q, **params}, headers=tenant.auth)
    assert r.status_code == 200, r.text
    return [c["id"] for c in r.json()["data"]]


async def test_a_rare_word_six_months_back_behind_newer_traffic(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    clock.set(START - dt.timedelta(days=182))
    old = await said(client, tenant, "+4520120001", "Where is my order ORD-58812? The parcel")
    for i in range(30):  # newer conversations with common words only
        clock.set(START - dt.timedelta(days=30 - i))
        await said(client, tenant, f"+45201201{i + 10:02d}", f"my parcel {i} is here, thanks")
    clock.set(START)
    assert await found(client, tenant, "58812") == [str(old.id)]
    assert await found(client, tenant, "ord-58812") == [str(old.id)]
    assert str(old.id) in await found(client, tenant, "parcel", limit="50")
    assert await found(client, tenant, "nowhere") == []


async def test_several_words_are_anded_and_a_quoted_phrase_is_matched(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    both = await said(client, tenant, "+4520120002", "My parcel is late and the courier was rude")
    clock.advance(minutes=1)
    parcel = await said(client, tenant, "+4520120003", "the parcel arrived")
    clock.advance(minutes=1)
    courier = await said(client, tenant, "+4520120004", "The courier was nice")
    assert await found(client, tenant, "parcel courier") == [str(both.id)]
    assert await found(client, tenant, "COURIER Parcel") == [str(both.id)]
    assert await found(client, tenant, '"the courier was"') == [str(courier.id), str(both.id)]
    assert await found(client, tenant, '"courier the"') == []  # the words, not in that order
    assert await found(client, tenant, '"the parcel" arrived') == [str(parcel.id)]
    assert await found(client, tenant, '"parcel is late" rude') == [str(both.id)]


async def test_accents_and_danish_letters_fold(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    conv = await said(client, tenant, "+4520120005", "Pakken til Århus er væk, hilsen Søren Café")
    for q in ("arhus", "aarhus", "ÅRHUS", "soren", "soeren", "søren", "vaek", "cafe", "CAFÉ"):
        assert await found(client, tenant, q) == [str(conv.id)], q


async def test_a_phone_typed_with_spaces_and_an_email_by_local_part(
    client: httpx.AsyncClient, tenant: Tenant, hub: Hub, clock: Clock
) -> None:
    clock.set(START - dt.timedelta(days=200))
    phone = await said(client, tenant, "+4520120099", "hello", name="Ulla Zyxwvut")
    clock.set(START)
    newer = await said(client, tenant, "+4520120098", "call me on 4520120099 please")
    for typed in ("+45 20 12 00 99", "0045 2012 0099", "+4520120099", "(45) 20-12-00-99"):
        got = await found(client, tenant, typed)
        assert got == [str(phone.id), str(newer.id)], typed  # the contact first, then the text
    assert await found(client, tenant, "20 12 00 99") == [str(phone.id)]  # the national number
    # a web-chat visitor's pre-chat form sets the email on the contact
    assert tenant.account.id is not None and phone.contact_id is not None
    await contacts.set_contact_fields(
        tenant.account.id, phone.contact_id, email="Ulla.Z@Example.com"
    )
    assert await found(client, tenant, "ulla.z@example.com") == [str(phone.id)]
    assert await found(client, tenant, "ULLA.Z@EXAMPLE.COM") == [str(phone.id)]
    assert await found(client, tenant, "ulla.z") == [str(phone.id)]
    assert await found(client, tenant, "zyxw") == [str(phone.id)]  # a name's start


async def test_a_sent_message_is_found(
    client: httpx.AsyncClient, tenant: Tenant, provider: Any
) -> None:
    body = {"channel_id": str(tenant.channel.id), "to": "+4520120006", "text": "Refund 7731 done"}
    r = await client.post("/api/v1/messages", json=body, headers=tenant.auth)
    assert r.status_code == 202, r.text
    assert await found(client, tenant, "7731 refund") == [r.json()["conversation_id"]]


async def test_cursor_pages_show_each_conversation_once(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    convs = []
    for i in range(7):
        clock.advance(minutes=1)
        convs.append(await said(client, tenant, f"+45201202{i:02d}", f"invoice number {i}"))
    clock.advance(minutes=1)
    await said(client, tenant, "+4520120200", "another invoice")  # conv 0 again, newest
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"q": "invoice", "limit": "3", **({"cursor": cursor} if cursor else {})}
        r = await client.get("/api/v1/conversations", params=params, headers=tenant.auth)
        assert r.status_code == 200, r.text
        seen += [c["id"] for c in r.json()["data"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    expected = [convs[0], *reversed(convs[1:])]
    assert seen == [str(c.id) for c in expected]
    bad = await client.get("/api/v1/conversations?q=invoice&cursor=zzz", headers=tenant.auth)
    assert bad.status_code == 400


async def test_another_accounts_messages_are_never_found(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, clock: Clock
) -> None:
    mine = await said(client, tenant, "+4520120007", "secret word quokka")
    await said(client, other_tenant, "+4520120007", "secret word quokka")
    await said(client, other_tenant, "+4520120008", "quokka wombat", name="Quokka Person")
    assert await found(client, tenant, "quokka") == [str(mine.id)]
    assert await found(client, tenant, "+4520120008") == []
    assert await found(client, tenant, "wombat") == []
    assert len(await found(client, other_tenant, "quokka")) == 2


async def test_erasure_removes_the_terms(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    conv = await said(client, tenant, "+4520120009", "my code is xylophone42", name="Erik Ease")
    assert await found(client, tenant, "xylophone42") == [str(conv.id)]
    r = await client.delete(f"/api/v1/contacts/{conv.contact_id}", headers=tenant.auth)
    assert r.status_code == 200, r.text
    assert await found(client, tenant, "xylophone42") == []
    assert await found(client, tenant, "20120009") == []
    assert await found(client, tenant, "erik") == []
    collection = Message.get_pymongo_collection()
    assert await collection.count_documents({"terms": "xylophone42"}) == 0
    assert await Contact.get_pymongo_collection().count_documents({"terms": "erik"}) == 0


async def test_retention_removes_the_terms(
    client: httpx.AsyncClient, tenant: Tenant, hub: Hub, clock: Clock
) -> None:
    clock.set(START - dt.timedelta(days=40))
    conv = await said(client, tenant, "+4520120010", "old words marzipan")
    r = await client.patch(
        f"/api/v1/conversations/{conv.id}", json={"status": "resolved"}, headers=tenant.auth
    )
    assert r.status_code == 200, r.text
    clock.set(START)
    assert await found(client, tenant, "marzipan") == [str(conv.id)]
    await retention.set_retention(tenant.account, {"conversations_days": 30})
    await retention.run(hub, START)
    assert await found(client, tenant, "marzipan") == []
    assert await Message.get_pymongo_collection().count_documents({"terms": "marzipan"}) == 0


async def test_reindex_backfills_and_is_idempotent(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    conv = await said(client, tenant, "+4520120011", "stored before the index: pumpernickel")
    await Message.get_pymongo_collection().update_many({}, {"$unset": {"terms": ""}})
    await Contact.get_pymongo_collection().update_many({}, {"$set": {"terms": []}})
    assert await found(client, tenant, "pumpernickel") == []
    first = await search.reindex(batch=2)
    assert first["messages"] >= 1 and first["contacts"] >= 1
    assert await found(client, tenant, "pumpernickel") == [str(conv.id)]
    assert await found(client, tenant, "20120011") == [str(conv.id)]
    assert await search.reindex() == {"contacts": 0, "messages": 0}


async def test_a_rare_term_costs_a_few_index_reads_not_the_history(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Back to the year 2000 in six term reads (windows 1 h, then 16× wider after each empty
    one), each an index range holding only the term's matches."""
    clock.set(START - dt.timedelta(days=182))
    old = await said(client, tenant, "+4520120012", "my order 90417 never came")
    clock.set(START)
    for i in range(5):
        await said(client, tenant, f"+452012013{i}", f"order {i} fine")
    reads: list[dict[str, Any]] = []
    original = AsyncCollection.find

    def find(self: AsyncCollection[Any], filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        if self.name == "messages":
            reads.append(dict(filter or {}))
        return original(self, filter, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "find", find)
    assert await found(client, tenant, "90417") == [str(old.id)]
    assert all(r.get("terms") == "90417" for r in reads), reads
    assert len(reads) == 6, [r.get("created_at") for r in reads]


async def test_a_merged_contact_keeps_the_terms_of_both(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    keep = await said(client, tenant, "+4520120020", "hi", name="Karen Keep")
    other = await said(client, tenant, "+4520120021", "hello", name="Olga Other")
    assert tenant.account.id is not None and keep.contact_id and other.contact_id
    await contact_merge.merge_contacts(
        tenant.account.id, str(keep.contact_id), str(other.contact_id)
    )
    for q in ("olga", "20 12 00 21", "karen"):  # the contact terms alone (no contact_key)
        got, _ = await search.search_conversations(tenant.account.id, q)
        assert {str(c.id) for c in got} == {str(keep.id), str(other.id)}, q


async def test_the_reindex_command_backfills_through_the_cli(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings
) -> None:
    conv = await said(client, tenant, "+4520120030", "an old text about rhubarb")
    await Message.get_pymongo_collection().update_many({}, {"$unset": {"terms": ""}})
    assert await found(client, tenant, "rhubarb") == []
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    env.update(
        PARLEY_MONGODB_URI=settings.mongodb_uri or "",
        PARLEY_DATABASE=settings.database,
        PARLEY_DATA_DIR=str(settings.data_dir),
        PARLEY_SECRET_KEY=settings.secret_key,
    )
    parley = str(Path(sys.executable).with_name("parley"))

    def run() -> dict[str, Any]:
        done = subprocess.run(
            [parley, "search", "reindex"], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    assert (await asyncio.to_thread(run))["rewritten"]["messages"] >= 1
    assert await found(client, tenant, "rhubarb") == [str(conv.id)]
    assert (await asyncio.to_thread(run))["rewritten"] == {"contacts": 0, "messages": 0}


async def test_an_exact_address_reads_its_messages_in_one_index_read(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An email or phone number is rare by nature: the contact's terms find it, and the
    messages that hold it are one read of its whole index range (no widening windows)."""
    clock.set(START - dt.timedelta(days=182))
    old = await said(client, tenant, "+4520120031", "write to bo.holm@example.com please")
    clock.set(START)
    await said(client, tenant, "+4520120032", "nothing to see")
    reads: list[dict[str, Any]] = []
    original = AsyncCollection.find

    def find(self: AsyncCollection[Any], filter: Any = None, *args: Any, **kwargs: Any) -> Any:
        if self.name == "messages":
            reads.append(dict(filter or {}))
        return original(self, filter, *args, **kwargs)

    monkeypatch.setattr(AsyncCollection, "find", find)
    assert await found(client, tenant, "Bo.Holm@example.com") == [str(old.id)]
    assert [r.get("terms") for r in reads] == ["bo.holm@example.com"], reads


async def test_a_busy_conversation_counts_once_toward_a_page(
    client: httpx.AsyncClient, tenant: Tenant, clock: Clock
) -> None:
    """Sixty recent matches in one conversation do not hide the older ones: the windows
    are sized by distinct conversations, each at its newest match."""
    clock.set(START - dt.timedelta(days=3))
    older = [await said(client, tenant, f"+45201204{i:02d}", f"thanks {i}") for i in range(3)]
    clock.set(START)
    for i in range(60):
        clock.advance(seconds=10)
        busy = await said(client, tenant, "+4520120499", f"thanks again {i}")
    got = await found(client, tenant, "thanks", limit="3")
    assert got == [str(busy.id), str(older[2].id), str(older[1].id)]
