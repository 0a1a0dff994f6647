"""Search across an account's whole history: one store function for the inbox and the API.

``search_conversations(account_id, text, …)`` answers a search box's text with
conversations, cursor-paged (``hub.store.terms`` says what a term is):

1. **Exact hits first**: a typed email address or phone number (every form of it) is an
   exact term of contacts (``(account_id, terms)``) and an exact ``contact_key``
   (``(account_id, contact_key)``); a contact's name words (the last one a prefix) find
   their contacts the same way. Their conversations lead the first page, newest activity
   first, and are left out of every later page.
2. **Message hits**: the messages holding the query's longest term (likely its rarest),
   read on ``(account_id, terms, created_at)`` newest first in bounded time windows
   (``hub.store.paging.read_window``), so a page costs the windows that fill it, not the
   history: a rare word six months back is a few empty index ranges, a common one a small
   recent window. Every other term must be in the message too (AND), and a quoted
   phrase must occur, in order, in its text. Each conversation is shown once, at its
   newest matching message; the cursor is that message's ``(created_at, _id)``.

Whispers are never indexed. Terms live on the message and the contact, so deleting them
(erasure, retention) deletes their terms; ``reindex`` rewrites the terms of existing
documents (``parley search reindex``, idempotent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from beanie import PydanticObjectId
from pymongo import UpdateOne

from hub.contract import now
from hub.models import Contact, Conversation, Message
from hub.store import paging
from hub.store.terms import Query, contact_terms, has_phrase, parse_query, text_terms, words

#: At most this many contacts answer one name or address (a one-letter prefix is refused).
CONTACT_LIMIT = 50
MIN_PREFIX = 2
#: Messages read per window step while looking for a page of conversations.
MESSAGE_STEP = 50
#: The first window back from now: an hour for words (a common one fills a page there);
#: a day for a punctuated token that may be an address's part (``ORD-58812``, ``ann.lee``).
WORD_SPAN = dt.timedelta(hours=1)
TOKEN_SPAN = dt.timedelta(hours=24)
#: An exact address or number (the query's lead term is the exact term itself) is rare
#: by nature: its whole index range, back to 2000, is one read of what it matches.
EXACT_SPAN = dt.timedelta(days=366 * 30)
#: After a window with no match at all, the next is this much wider (back to 2000 in six
#: reads instead of seven; a window that read something grows by what it kept).
EMPTY_GROWTH = 16.0

#: A test on one raw conversation document (the list's filters other than the search).
DocTest = Callable[[Mapping[str, object]], bool]
Doc = dict[str, Any]
_MESSAGE_FIELDS = {"conversation_id": 1, "created_at": 1, "visibility": 1}


def _projection(query: Query) -> dict[str, int]:
    """What a message hit needs: its terms only for a second term, its text only for a
    quoted phrase (a smaller answer from the server)."""
    fields = dict(_MESSAGE_FIELDS)
    if len(query.terms) > 1:
        fields["terms"] = 1
    if query.phrases:
        fields.update(terms=1, text=1, subject=1)
    return fields


#: A cursor's id above every real id: "start at this time, nothing consumed yet".
_TOP_ID = PydanticObjectId("ffffffffffffffffffffffff")


def _accept_all(_: Mapping[str, object]) -> bool:
    return True


# --------------------------------------------------------------------------- contacts


async def _contacts(account_id: PydanticObjectId, query: Query) -> list[PydanticObjectId]:
    """Contacts with an exact term, else with every name word (the last as a prefix)."""
    collection = Contact.get_pymongo_collection()
    found: list[PydanticObjectId] = []
    for term in query.exact:  # (account_id, terms): one equality each
        async for doc in collection.find({"account_id": account_id, "terms": term}, {"_id": 1}):
            found.append(doc["_id"])
            if len(found) >= CONTACT_LIMIT:
                break
    names = query.name_words
    if not found and names and len(names[-1]) >= MIN_PREFIX:
        last, others = names[-1], set(names[:-1])
        prefix = {"$gte": last, "$lt": last + "\uffff"}
        async for doc in collection.find(
            {"account_id": account_id, "terms": prefix}, {"_id": 1, "terms": 1}
        ):
            if others <= set(doc.get("terms") or []):
                found.append(doc["_id"])
            if len(found) >= CONTACT_LIMIT:
                break
    return list(dict.fromkeys(found))[:CONTACT_LIMIT]


async def _pinned(
    account_id: PydanticObjectId, query: Query, address_keys: Sequence[str]
) -> list[Doc]:
    """The raw conversations of exact addresses and of matching contacts, newest first."""
    collection = Conversation.get_pymongo_collection()
    docs: dict[Any, Doc] = {}
    for key in address_keys:
        async for doc in collection.find({"account_id": account_id, "contact_key": key}):
            docs[doc["_id"]] = doc
    for contact_id in await _contacts(account_id, query):
        async for doc in collection.find({"account_id": account_id, "contact_id": contact_id}):
            docs[doc["_id"]] = doc
    return sorted(docs.values(), key=_activity, reverse=True)


def _activity(doc: Doc) -> tuple[dt.datetime, Any]:
    at = doc.get("last_message_at") or paging.FLOOR
    return (at if at.tzinfo else at.replace(tzinfo=dt.UTC)), doc["_id"]


# --------------------------------------------------------------------------- messages


def _matches(query: Query, *, lead_read: bool = False) -> Callable[[Doc], bool]:
    """The test of a message: every term (but the lead when the read was by it, which
    holds it) and every quoted phrase; never a whisper."""
    needed = set(query.terms) - ({query.lead()} if lead_read else set())

    def test(doc: Doc) -> bool:
        if doc.get("visibility") == "whisper" or not needed <= set(doc.get("terms") or []):
            return False
        if not query.phrases:
            return True
        said = [*words(doc.get("text")), "\n", *words(doc.get("subject"))]
        return all(has_phrase(said, phrase) for phrase in query.phrases)

    return test


def _first_of_conversation(hit: Callable[[Doc], bool], seen: set[Any]) -> Callable[[Doc], bool]:
    """A match, and the newest of a conversation not shown yet (documents come newest
    first): the windows are sized by distinct conversations, not by messages."""
    claimed: set[Any] = set()

    def keep(doc: Doc) -> bool:
        cid = doc["conversation_id"]
        if cid in seen or cid in claimed or not hit(doc):
            return False
        claimed.add(cid)
        return True

    return keep


async def _newer_match(
    account_id: PydanticObjectId,
    conversation_id: Any,
    after: dt.datetime,
    test: Callable[[Doc], bool],
) -> bool:
    """Whether the conversation has a match newer than ``after`` (it was on an earlier page)."""
    found = Message.get_pymongo_collection().find(
        {
            "account_id": account_id,
            "conversation_id": conversation_id,
            "created_at": {"$gt": after},
        },
        {**_MESSAGE_FIELDS, "terms": 1, "text": 1, "subject": 1},
    )
    return any([test(doc) async for doc in found])


async def _by_ids(account_id: PydanticObjectId, ids: list[Any]) -> dict[Any, Doc]:
    """Conversations by ``_id`` alone (the id index), the account checked on each."""
    if not ids:
        return {}
    found = Conversation.get_pymongo_collection().find({"_id": {"$in": ids}})
    return {d["_id"]: d async for d in found if d["account_id"] == account_id}


async def _message_hits(
    account_id: PydanticObjectId,
    query: Query,
    skip: set[Any],
    keep: DocTest,
    limit: int,
    cursor: str | None,
) -> tuple[list[Doc], str | None]:
    lead = query.lead()
    if lead is None or limit <= 0:
        return [], cursor
    test = _matches(query)
    top = paging.decode_cursor(cursor)[0] if cursor else None
    if top is not None and top > now():
        top = None  # a first-page cursor after exact hits: nothing shown yet
    seen = set(skip)
    page: list[Doc] = []
    read_cursor = cursor
    exact = lead in query.exact  # an address or number: one read of its whole range
    hit = _matches(query, lead_read=True)
    while True:
        docs, after = await paging.read_window(
            Message.get_pymongo_collection(),
            {"account_id": account_id, "terms": lead},
            "created_at",
            limit=max(1, limit - len(page)),
            cursor=read_cursor,
            keep=_first_of_conversation(hit, seen),
            projection=_projection(query),
            first_span=EXACT_SPAN if exact else TOKEN_SPAN if query.exact else WORD_SPAN,
            empty_growth=EMPTY_GROWTH,
            by_density=True,
        )
        fresh: list[Doc] = []
        for doc in docs:
            seen.add(doc["conversation_id"])
            if top is not None and await _newer_match(account_id, doc["conversation_id"], top, test):  # fmt: skip
                continue  # shown on an earlier page, at its newer message
            fresh.append(doc)
        conversations = await _by_ids(account_id, [d["conversation_id"] for d in fresh])
        for doc in fresh:
            conversation = conversations.get(doc["conversation_id"])
            if conversation is not None and keep(conversation):
                page.append(conversation)
                if len(page) == limit:
                    return page, paging.encode_cursor(doc["created_at"], doc["_id"])
        if after is None:
            return page, None
        read_cursor = after


# --------------------------------------------------------------------------- the search


async def search_conversations(
    account_id: PydanticObjectId,
    text: str,
    *,
    limit: int = 25,
    cursor: str | None = None,
    keep: DocTest = _accept_all,
    address_keys: Sequence[str] = (),
) -> tuple[list[Conversation], str | None]:
    """A page of the account's conversations that ``text`` finds, and the next cursor.

    Exact address and contact hits first (first page only), then conversations with a
    message holding every word (and quoted phrase), newest matching message first.
    ``keep`` applies the caller's other filters to a raw conversation; ``address_keys``
    are exact contact keys to try (``Address.key`` of the installed kinds' candidates).
    ``InvalidCursor`` for a cursor this search did not give out.
    """
    query = parse_query(text)
    if cursor:
        paging.decode_cursor(cursor)  # refuses a bad cursor before any read
    pinned = [d for d in await _pinned(account_id, query, address_keys) if keep(d)]
    shown = pinned[:limit] if not cursor else []
    rest = limit - len(shown)
    if rest <= 0:  # the exact hits fill the page: message hits start at the top
        start = paging.encode_cursor(now() + dt.timedelta(days=1), _TOP_ID)
        return _models(shown), start
    hits, next_cursor = await _message_hits(
        account_id, query, {d["_id"] for d in pinned}, keep, rest, cursor
    )
    return _models([*shown, *hits]), next_cursor


def _models(docs: list[Doc]) -> list[Conversation]:
    return [Conversation.model_validate(d) for d in docs]


# --------------------------------------------------------------------------- reindexing


async def reindex(batch: int = 500) -> dict[str, int]:
    """Rewrite the search terms of every contact and message (after an upgrade, or when
    the normalization changes). Idempotent: terms are recomputed, never appended; reads
    go by ``_id`` ranges, so an interrupted run is simply run again."""
    counts: dict[str, int] = {}
    for name, model, terms_of in (
        ("contacts", Contact, _contact_doc_terms),
        ("messages", Message, _message_doc_terms),
    ):
        collection = model.get_pymongo_collection()
        changed = 0
        last: Any = None
        while True:
            scope = {"_id": {"$gt": last}} if last is not None else {}
            docs = await collection.find(scope, sort=[("_id", 1)], limit=batch).to_list(None)
            if not docs:
                break
            updates = [
                UpdateOne({"_id": d["_id"]}, {"$set": {"terms": terms}})
                for d in docs
                if (terms := terms_of(d)) != d.get("terms")
            ]
            if updates:
                await collection.bulk_write(updates, ordered=False)
            changed += len(updates)
            last = docs[-1]["_id"]
        counts[name] = changed
    return counts


def _contact_doc_terms(doc: Doc) -> list[str]:
    return contact_terms(
        doc.get("name"), doc.get("addresses") or [], doc.get("email"), doc.get("phone")
    )


def _message_doc_terms(doc: Doc) -> list[str]:
    if doc.get("visibility") == "whisper":
        return []
    return text_terms(doc.get("text"), doc.get("subject"))
