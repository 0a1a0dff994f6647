"""hub.store.paging: pages in order, each document once, ties broken by id, and reads
that follow the page (counted, not timed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson import ObjectId

from hub.pipeline.services import Hub
from hub.store import paging
from hub.store.paging import InvalidCursor, read_window

END = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@pytest.fixture
async def collection(hub: Hub) -> Any:
    coll = hub.database["paging_probe"]
    await coll.create_index([("a", 1), ("t", -1)])
    await coll.create_index([("a", 1), ("k", 1), ("t", -1)])
    account = ObjectId()
    docs = []
    for i in range(600):  # a year of history, denser lately, with ties on the time
        at = END - dt.timedelta(hours=(i // 3) ** 1.6)
        docs.append({"_id": ObjectId(), "a": account, "k": i % 2, "t": at, "n": i})
    docs.append({"_id": ObjectId(), "a": ObjectId(), "k": 0, "t": END, "n": -1})  # another
    await coll.insert_many(docs)
    coll.account = account  # type: ignore[attr-defined]
    return coll


async def _all_pages(
    collection: Any, limit: int, equal: Any = None, **kw: Any
) -> list[list[dict[str, Any]]]:
    """Every page of a read, following the cursors."""
    pages, cursor = [], None
    while True:
        docs, cursor = await read_window(
            collection, equal or {"a": collection.account}, "t", limit=limit, cursor=cursor, **kw
        )
        pages.append(docs)
        if cursor is None:
            return pages


def _order(docs: list[dict[str, Any]], descending: bool = True) -> bool:
    keys = [(d["t"], d["_id"]) for d in docs]
    return keys == sorted(keys, reverse=descending)


async def test_newest_first_pages_cover_everything_once(collection: Any, clock: Any) -> None:
    clock.set(END)
    pages = await _all_pages(collection, 25)
    flat = [d for p in pages for d in p]
    assert len(flat) == 600 and len({d["_id"] for d in flat}) == 600
    assert _order(flat) and all(len(p) == 25 for p in pages[:-1])
    assert all(d["a"] == collection.account for d in flat)


async def test_oldest_first_from_a_start(collection: Any, clock: Any) -> None:
    clock.set(END)
    start = END - dt.timedelta(days=200)
    pages = await _all_pages(collection, 40, descending=False, start=start)
    flat = [d for p in pages for d in p]
    assert len(flat) == 600 and _order(flat, descending=False)  # older than start too


async def test_keep_and_union_of_shapes(collection: Any, clock: Any) -> None:
    clock.set(END)
    a = collection.account
    shapes = [{"a": a, "k": 0}, {"a": a, "k": 1}]
    flat = [d for p in await _all_pages(collection, 30, equal=shapes) for d in p]
    assert len(flat) == 600 and _order(flat)
    odd = [d for p in await _all_pages(collection, 30, keep=lambda d: d["n"] % 5 == 0) for d in p]
    assert [d["n"] for d in odd] == sorted(d["n"] for d in odd) and len(odd) == 120


async def test_a_page_reads_about_a_page(
    collection: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(END)
    read: list[int] = []
    original = paging._read

    async def counting(*args: Any) -> list[dict[str, Any]]:
        docs = await original(*args)
        read.append(len(docs))
        return docs

    monkeypatch.setattr(paging, "_read", counting)
    docs, cursor = await read_window(collection, {"a": collection.account}, "t", limit=25)
    assert len(docs) == 25 and sum(read) < 150  # of 600: the windows stop near the page
    read.clear()
    docs, _ = await read_window(collection, {"a": collection.account}, "t", limit=25, cursor=cursor)
    assert len(docs) == 25 and sum(read) < 150
    read.clear()
    await read_window(collection, {"a": collection.account}, "t", limit=25,
                      keep=lambda d: False, budget=100)  # fmt: skip
    assert 100 <= sum(read) < 400  # a search gives up after its budget


async def test_since_bounds_and_bad_cursor(collection: Any, clock: Any) -> None:
    clock.set(END)
    since = END - dt.timedelta(days=3)
    docs, cursor = await read_window(collection, {"a": collection.account}, "t", limit=1000,
                                     since=since)  # fmt: skip
    assert cursor is None and docs and all(d["t"] >= since for d in docs)
    with pytest.raises(InvalidCursor):
        await read_window(collection, {"a": collection.account}, "t", limit=5, cursor="nonsense")


async def test_windows_sized_by_density_stop_near_the_page(
    collection: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``by_density`` a nearly full page reads a short last window (sized by what all
    windows kept per second), not twice the last one: fewer documents for the same page."""
    clock.set(END)
    read: list[int] = []
    original = paging._read

    async def counting(*args: Any) -> list[dict[str, Any]]:
        docs = await original(*args)
        read.append(len(docs))
        return docs

    monkeypatch.setattr(paging, "_read", counting)
    totals = {}
    for dense in (False, True):
        read.clear()
        docs, _ = await read_window(collection, {"a": collection.account}, "t", limit=60, by_density=dense)  # fmt: skip
        assert len(docs) == 60 and _order(docs)
        totals[dense] = sum(read)
    assert totals[True] < totals[False], totals
    assert totals[True] <= 60 * 2
