"""Word search over contacts: every word of a name (and each address) as an indexed term.

A contact keeps ``terms``: its name's words and its addresses' values, case-folded.
The multikey index ``(account_id, terms)`` finds a surname's contacts at any age with a
prefix range (``{terms: {$gte: "jen", $lt: "jen\\uffff"}}``), so a search costs the
contacts it finds, not the history; their conversations follow by
``(account_id, contact_id, …)``. Terms are written when a contact is created (ingest, API)
or renamed, never on a message.
"""

from __future__ import annotations

import re
from typing import TypedDict

from beanie import PydanticObjectId

from hub.models import Contact

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
