"""Word search over contacts: every word of a name (and each address) as an indexed term.

A contact keeps ``terms``: its name's words and its addresses' values, case-folded.
The multikey index ``(account_id, terms)`` finds a surname's contacts at any age with a
prefix range (``{terms: {$gte: "jen", $lt: "jen\\uffff"}}``), so a search costs the
contacts it finds, not the history; their conversations follow by
``(account_id, contact_id, …)``. Terms are written when a contact is created (ingest, API)
or renamed, never on a message.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypedDict

from beanie import PydanticObjectId

from hub.models import Contact, Conversation, Message
from hub.store import paging

#: At most this many contacts answer one search term (a prefix of one letter is refused).
CONTACT_LIMIT = 50
MIN_PREFIX = 2
_WORD = re.compile(r"[\w@.+-]+", re.UNICODE)


def terms_of(name: str | None, *addresses: str | None) -> list[str]:
    """The search terms of a contact: its name's words, and each address without its kind."""
    words = [w.casefold() for w in _WORD.findall(name or "")]
    for address in addresses:
        if address:
            words.append(address.split(":", 1)[-1].casefold())
    return list(dict.fromkeys(words))


#: A contact search finds: its id (``_id``, as stored) and its terms.
class ContactHit(TypedDict):
    _id: PydanticObjectId
    terms: list[str]


async def contacts_matching(account_id: PydanticObjectId, text: str) -> list[ContactHit]:
    """Contacts with a term starting with the text's first word whose terms also start
    with its other words (``ann jen`` finds Ann Jensen); at most ``CONTACT_LIMIT``."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words or len(words[0]) < MIN_PREFIX:
        return []
    first = words[0]
    found = Contact.get_pymongo_collection().find(
        {"account_id": account_id, "terms": {"$gte": first, "$lt": first + "\uffff"}},
        {"_id": 1, "terms": 1},
    )
    hits: list[ContactHit] = []
    async for doc in found:
        terms = doc.get("terms") or []
        if all(any(t.startswith(w) for t in terms) for w in words[1:]):
            hits.append({"_id": doc["_id"], "terms": terms})
            if len(hits) >= CONTACT_LIMIT:
                break
    return hits


# ---- added by views

#: A test on one raw conversation document (the list's filters other than its index shape).
DocTest = Callable[[Mapping[str, object]], bool]


async def conversations_by_address_or_name(
    account_id: PydanticObjectId,
    contact_keys: Sequence[str],
    text: str,
    keep: DocTest,
    limit: int,
) -> list[Conversation]:
    """Conversations with exactly one of these contact keys, or a contact name starting
    with ``text`` (as typed, capitalised or in lower case), that ``keep`` accepts: one
    indexed equality or range read per key and per spelling, at most ``limit`` each."""
    collection = Conversation.get_pymongo_collection()
    queries: list[dict[str, object]] = [{"contact_key": key} for key in contact_keys]
    for variant in dict.fromkeys((text, text.capitalize(), text.title(), text.lower())):
        queries.append({"contact_name": {"$gte": variant, "$lt": variant + "\uffff"}})
    found: list[Conversation] = []
    for query in queries:
        docs = await collection.find({"account_id": account_id, **query}).limit(limit).to_list()
        found += [Conversation.model_validate(d) for d in docs if keep(d)]
    return found


async def conversations_of_contacts_matching(
    account_id: PydanticObjectId, text: str, keep: DocTest, limit: int
) -> list[Conversation]:
    """Conversations of contacts with a word starting with the text's words, at any age
    (``contacts_matching``, then each contact's conversations until ``limit`` are read),
    that ``keep`` accepts."""
    collection = Conversation.get_pymongo_collection()
    read: list[dict[str, Any]] = []
    for contact in await contacts_matching(account_id, text):
        read += await collection.find(
            {"account_id": account_id, "contact_id": contact["_id"]}
        ).to_list(limit)
        if len(read) >= limit:
            break
    return [Conversation.model_validate(d) for d in read if keep(d)]


async def conversations_with_message_text(
    account_id: PydanticObjectId,
    matches: Callable[[object], bool],
    seen: set[PydanticObjectId],
    keep: DocTest,
    *,
    since: dt.datetime,
    budget: int,
    limit: int,
) -> list[Conversation]:
    """Conversations (not in ``seen``) with a message whose text ``matches``, newest message
    first, among the account's newest ``budget`` messages since ``since``; a whisper's
    words never find its conversation. At most ``limit``, those ``keep`` accepts."""
    seen = set(seen)
    new_ids: list[Any] = []

    def _hit(doc: dict[str, Any]) -> bool:
        cid = doc["conversation_id"]
        if doc.get("visibility") == "whisper":
            return False
        if cid in seen or not matches(doc.get("text")):
            return False
        seen.add(cid)
        new_ids.append(cid)
        return True

    await paging.read_window(
        Message.get_pymongo_collection(),
        {"account_id": account_id},
        "created_at",
        limit=limit,
        keep=_hit,
        projection={"conversation_id": 1, "text": 1, "created_at": 1, "visibility": 1},
        since=since,
        budget=budget,
    )
    # By id alone (the id index), then the account checked on every document.
    docs = Conversation.get_pymongo_collection().find({"_id": {"$in": new_ids[:limit]}})
    return [
        Conversation.model_validate(d)
        async for d in docs
        if d["account_id"] == account_id and keep(d)
    ]
