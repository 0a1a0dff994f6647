"""Number look-up: the account's HTTP JSON directory names a new phone contact.

The account's ``number_lookup``::

    {"url_template": "https://directory.example/v1/{phone}", "headers": {},
     "name_path": "name", "address_path": "address"}

is called for a new contact that arrives by phone without a name — after the webhook was
answered (``hub.pipeline.arrivals`` spawns it as a background task), with a 2 s timeout,
once per number (the answer is kept in ``number_lookups``). What it finds fills the
contact's ``name`` and ``attributes.address``; ``attributes.lookup`` records that it came
from the directory. A failed look-up is logged and changes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import urllib.parse
from typing import Any

import httpx
from beanie import PydanticObjectId
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from hub.contract import now
from hub.models import Account, Contact, Conversation, NumberLookup
from hub.store import paging

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2.0


class LookupConfig(BaseModel):
    """The stored shape of ``Account.number_lookup``, validated on the way in."""

    model_config = ConfigDict(extra="forbid")

    url_template: str = Field(pattern=r"^https?://.+\{phone\}", max_length=2000)
    headers: dict[str, str] = {}
    name_path: str = Field(default="name", min_length=1, max_length=200)
    address_path: str = Field(default="address", min_length=1, max_length=200)


def _dig(data: Any, path: str) -> Any:
    """``a.b.0.c`` through nested objects and lists; None where it leads nowhere."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def wanted(contact: Contact) -> bool:
    """A phone contact without a name that was not looked up yet."""
    return bool(contact.phone) and not contact.name and "lookup" not in contact.attributes


async def _fetch(http: httpx.AsyncClient, cfg: LookupConfig, phone: str) -> dict[str, Any]:
    url = cfg.url_template.replace("{phone}", urllib.parse.quote(phone, safe=""))
    response = await http.get(url, headers=cfg.headers, timeout=TIMEOUT_SECONDS)
    response.raise_for_status()
    data = response.json()
    name, address = _dig(data, cfg.name_path), _dig(data, cfg.address_path)
    return {
        "name": str(name)[:200] if name else None,
        "address": str(address)[:500] if address else None,
    }


async def _cached(account_id: PydanticObjectId, phone: str) -> NumberLookup | None:
    return await NumberLookup.find_one(
        NumberLookup.account_id == account_id, NumberLookup.phone == phone
    )


async def result_for(
    http: httpx.AsyncClient, account: Account, phone: str
) -> dict[str, Any] | None:
    """The directory's answer for ``phone``: from the cache, else asked once and kept."""
    assert account.id is not None
    cached = await _cached(account.id, phone)
    if cached is not None:
        return cached.result
    cfg = LookupConfig.model_validate(account.number_lookup)
    entry = NumberLookup(account_id=account.id, phone=phone, looked_up_at=now())
    try:
        entry.result = await _fetch(http, cfg, phone)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("number look-up of %s for account %s failed: %s", phone, account.id, exc)
        entry.error = str(exc)[:300]
    # Another process may ask at the same moment; both answers are as good.
    with contextlib.suppress(DuplicateKeyError):
        await entry.insert()
    return entry.result


async def look_up(http: httpx.AsyncClient, account_id: PydanticObjectId, contact_id: Any) -> bool:
    """Name the contact from the directory if it still has no name; True when it was named."""
    account = await Account.get(account_id)
    contact = await paging.model_by_id(Contact, account_id, contact_id)
    if account is None or not account.number_lookup or contact is None or not wanted(contact):
        return False
    assert contact.phone is not None
    found = await result_for(http, account, contact.phone)
    if not found or not found.get("name"):
        return False
    update: dict[str, Any] = {
        "name": found["name"],
        "attributes.lookup": {"source": "directory", "at": now()},
    }
    if found.get("address"):
        update["attributes.address"] = found["address"]
    named = await Contact.get_pymongo_collection().update_one(
        {"_id": contact.id, "account_id": account_id, "name": None}, {"$set": update}
    )
    if named.modified_count:
        await Conversation.get_pymongo_collection().update_many(
            {"account_id": account_id, "contact_id": contact.id, "contact_name": None},
            {"$set": {"contact_name": found["name"]}},
        )
    return bool(named.modified_count)
