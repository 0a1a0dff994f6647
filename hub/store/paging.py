"""The one paging and look-up primitive: cost follows the page, not the history.

SecantusDB (and, with fewer surprises, MongoDB) serves a query from an index only
when the query's fields are exactly the leading fields of one index: equality on
all but the last, at most a range on the last. It sorts in memory after reading
every match, and ``limit`` does not bound the work. So every list in the hub is
read like this:

- **equality** on the leading fields of an index (``equal``, e.g. ``{"account_id":
  a, "status": "open"}`` for the index ``(account_id, status, last_message_at)``);
  a list of shapes reads each and merges them (instead of ``$in``, which scans);
- a **bounded range** on the index's time field (``field``), read in windows that
  start small and widen by what they matched, until the page is full;
- **no $or keyset**: the cursor ``(t, _id)`` becomes ``{t: {$lte: t}}`` inside the
  first window, and the ``_id`` tie-break is done in memory over that small window;
- other filters are a ``keep`` predicate applied in Python to what a window read;
- no ``sort``/``limit`` sent to the server: the window is sorted here.

Look-ups by id are ``{_id}`` alone (``by_id``): the account is checked on the
document, because ``{_id, account_id}`` made the embedded planner scan.

Reuse it for any new list (queues, reports, callbacks)::

    docs, cursor = await paging.read_window(
        Callback.get_pymongo_collection(),
        {"account_id": account_id, "status": "due"},   # leads (account_id, status, due_at)
        "due_at",
        limit=25, cursor=cursor, descending=False, start=now() - timedelta(days=30),
    )

and add a case to ``tests/store/test_plans.py`` so ``explain`` keeps proving the
index is used.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from beanie import Document, PydanticObjectId
from bson.errors import InvalidId
from pymongo.asynchronous.collection import AsyncCollection

from hub.contract import now
from hub.store.errors import InvalidChange

D = TypeVar("D", bound=Document)
Doc = dict[str, Any]

#: The first window's span when nothing better is known (the cursor carries a better one).
FIRST_SPAN = dt.timedelta(hours=1)
#: Windows widen by at most this factor each step (and at least doubled).
MAX_GROWTH = 8.0
#: Older than this, a last window reads everything that is left (normally nothing).
FLOOR = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: Newer than now plus this, an ascending read's last window is open-ended.
CEILING_MARGIN = dt.timedelta(days=1)


class InvalidCursor(InvalidChange):
    def __init__(self) -> None:
        super().__init__("invalid_cursor", "the cursor is not one this API gave out")


# --------------------------------------------------------------------------- cursors


def encode_cursor(at: dt.datetime, id_: Any, span: dt.timedelta | None = None) -> str:
    """A keyset cursor: the last row's (time, id), and a hint for the next window's span."""
    raw = f"{at.isoformat()}|{id_}"
    if span is not None:
        raw += f"|{int(span.total_seconds())}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, PydanticObjectId]:
    at, id_, _ = _decode(cursor)
    return at, id_


def _decode(cursor: str) -> tuple[dt.datetime, PydanticObjectId, dt.timedelta | None]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = raw.split("|")
        at = dt.datetime.fromisoformat(parts[0])
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        span = dt.timedelta(seconds=max(1, int(parts[2]))) if len(parts) > 2 else None
        return at, PydanticObjectId(parts[1]), span
    except (ValueError, IndexError, InvalidId, UnicodeDecodeError, OverflowError):
        raise InvalidCursor() from None


# --------------------------------------------------------------------------- look-ups


async def by_id(
    collection: AsyncCollection[Doc],
    account_id: Any,
    id_: Any,
    projection: Mapping[str, Any] | None = None,
) -> Doc | None:
    """One document by ``_id`` (an index look-up), if it belongs to ``account_id``."""
    fields = None if projection is None else {**projection, "account_id": 1}
    doc = await collection.find_one({"_id": id_}, fields)
    if doc is None or doc.get("account_id") != account_id:
        return None
    return doc


async def model_by_id(model: type[D], account_id: Any, id_: Any) -> D | None:
    """``by_id`` for a Beanie model: the validated document, or None."""
    doc = await by_id(model.get_pymongo_collection(), account_id, id_)
    return None if doc is None else model.model_validate(doc)


# --------------------------------------------------------------------------- windows


def _key(doc: Doc, field: str) -> tuple[dt.datetime, Any]:
    at = doc.get(field) or FLOOR
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)), doc["_id"]


def _growth(span: dt.timedelta, kept: int, need: int) -> dt.timedelta:
    """The next window's span: sized so it should hold what is still needed."""
    if kept <= 0:
        return span * MAX_GROWTH
    factor = min(MAX_GROWTH, max(2.0, 1.5 * need / kept))
    return span * factor


async def _read(
    collection: AsyncCollection[Doc],
    shapes: Sequence[Mapping[str, Any]],
    field: str,
    bounds: dict[str, dt.datetime],
    projection: Mapping[str, Any] | None,
) -> list[Doc]:
    found: list[Doc] = []
    for shape in shapes:
        query = {**shape, field: bounds} if bounds else dict(shape)
        found += await collection.find(query, projection).to_list(None)
    return found


async def read_window(
    collection: AsyncCollection[Doc],
    equal: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    field: str,
    *,
    limit: int,
    cursor: str | None = None,
    descending: bool = True,
    keep: Callable[[Doc], bool] | None = None,
    projection: Mapping[str, Any] | None = None,
    since: dt.datetime | None = None,
    start: dt.datetime | None = None,
    first_span: dt.timedelta = FIRST_SPAN,
    budget: int | None = None,
    empty_growth: float | None = None,
    by_density: bool = False,
) -> tuple[list[Doc], str | None]:
    """Up to ``limit`` raw documents ordered by ``(field, _id)``, and the next cursor.

    ``equal``: the equality fields leading an index whose next field is ``field`` (or
    several such shapes, merged). Newest first by default, back to ``since`` if given;
    ``descending=False`` reads oldest first from ``start`` (required then, e.g. the
    conversation's creation; anything older is read first, in one range read).
    ``keep`` filters in Python, called in the reading order (it may keep state, e.g. one
    document per conversation); ``budget`` caps the documents read (a search gives up
    there and answers with what it found). ``projection`` must keep ``field``.
    ``empty_growth``: after a window that read nothing at all, widen by this factor
    instead (a term search: an empty index range costs one round trip, nothing more).
    ``by_density``: once something was kept, size the next window by what all windows so
    far kept per second (1.5× what is still needed), not by the last window alone at
    least doubled: a page that is nearly full reads a short window, not twice the last.
    """
    shapes = [equal] if isinstance(equal, Mapping) else list(equal)
    top: tuple[dt.datetime, Any] | None = None
    span = first_span
    if cursor:
        at, id_, hint = _decode(cursor)
        top, span = (at, id_), hint or first_span
    reader = _Descending(field, top, since) if descending else _Ascending(field, top, start)
    found: list[Doc] = []
    read = 0
    covered = 0.0  # seconds of history the windows read so far
    while True:
        sized = reader.sized
        bounds, last = reader.bounds(span)
        docs = await _read(collection, shapes, field, bounds, projection)
        docs.sort(key=lambda d: _key(d, field), reverse=descending)  # ``keep`` sees them in order
        read += len(docs)
        covered += span.total_seconds()
        kept = [d for d in docs if reader.after(d) and (keep is None or keep(d))]
        found += kept
        full = len(found) > limit
        if full or last or (budget is not None and read >= budget):
            break
        if sized and empty_growth and not docs:
            span = span * empty_growth
        elif sized and by_density and found:
            need = limit + 1 - len(found)
            span = min(span * MAX_GROWTH, dt.timedelta(seconds=1.5 * need * covered / len(found)))  # fmt: skip
        elif sized:  # the read of what precedes an ascending start says nothing of density
            span = _growth(span, len(kept), limit + 1 - len(found))
            if budget is not None and read:  # the next window should fit what is left
                per_second = read / max(covered, 1.0)
                span = min(span, dt.timedelta(seconds=max(1.0, (budget - read) / per_second)))
    found.sort(key=lambda d: _key(d, field), reverse=descending)
    if not full:
        return found, None
    page = found[:limit]
    return page, encode_cursor(*_key(page[-1], field), reader.hint(page, limit))


class _Descending:
    """Windows going back in time from the cursor (or from now, open above)."""

    sized = True

    def __init__(self, field: str, top: tuple[dt.datetime, Any] | None, since: dt.datetime | None):
        self.field, self.top = field, top
        self.floor = since or FLOOR
        self.has_floor = since is not None
        self.upper: dict[str, dt.datetime] = {"$lte": top[0]} if top else {}
        self.anchor = top[0] if top else now()

    def bounds(self, span: dt.timedelta) -> tuple[dict[str, dt.datetime], bool]:
        lower = self.anchor - span
        last = lower <= self.floor
        bounds = dict(self.upper)
        if not last:
            bounds["$gte"] = lower
        elif self.has_floor:
            bounds["$gte"] = self.floor
        self.upper, self.anchor = {"$lt": lower}, lower
        return bounds, last

    def after(self, doc: Doc) -> bool:
        return self.top is None or _key(doc, self.field) < self.top

    def hint(self, page: list[Doc], limit: int) -> dt.timedelta:
        return _span_for(page, self.field, limit)


class _Ascending:
    """Windows going forward in time from the cursor (or from ``start``, older ones first)."""

    def __init__(self, field: str, top: tuple[dt.datetime, Any] | None, start: dt.datetime | None):
        if top is None and start is None:
            raise ValueError("an oldest-first read needs a start (or a cursor)")
        self.field, self.top = field, top
        self.ceiling = now() + CEILING_MARGIN
        begin = top[0] if top else start
        assert begin is not None
        # Without a cursor, what is older than ``start`` comes first (normally nothing).
        self.pending_before = top is None
        self.lower: dict[str, dt.datetime] = {"$gte": begin}
        self.anchor = begin

    @property
    def sized(self) -> bool:
        return not self.pending_before

    def bounds(self, span: dt.timedelta) -> tuple[dict[str, dt.datetime], bool]:
        if self.pending_before:
            self.pending_before = False
            return {"$lt": self.anchor}, False
        upper = self.anchor + span
        last = upper >= self.ceiling
        bounds = dict(self.lower)
        if not last:
            bounds["$lt"] = upper
        self.lower, self.anchor = {"$gte": upper}, upper
        return bounds, last

    def after(self, doc: Doc) -> bool:
        return self.top is None or _key(doc, self.field) > self.top

    def hint(self, page: list[Doc], limit: int) -> dt.timedelta:
        return _span_for(page, self.field, limit)


def _span_for(page: list[Doc], field: str, limit: int) -> dt.timedelta:
    """The span that held about one page here: the next page's first window."""
    first, last = _key(page[0], field)[0], _key(page[-1], field)[0]
    seconds = abs((first - last).total_seconds())
    return dt.timedelta(seconds=max(60, math.ceil(seconds * 1.5)))


# --------------------------------------------------------------------------- models


async def page_of(
    model: type[D],
    query: Mapping[str, object],
    limit: int,
    cursor: str | None,
    field: str = "created_at",
    descending: bool = True,
    keep: Callable[[Doc], bool] | None = None,
) -> tuple[list[D], str | None]:
    """``read_window`` for a Beanie model: ``query`` holds equality fields leading an
    index ending in ``field`` (for oldest first, the history starts at ``FLOOR``)."""
    docs, next_cursor = await read_window(
        model.get_pymongo_collection(),
        query,
        field,
        limit=limit,
        cursor=cursor,
        descending=descending,
        keep=keep,
        start=None if descending else FLOOR,
    )
    return [model.model_validate(d) for d in docs], next_cursor
